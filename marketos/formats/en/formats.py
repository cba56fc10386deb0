"""The one way the app writes dates and times: "23 Nov 2026" and "23 Nov 2026, 14:05".

Templates write ``|date`` (a day) or ``|date:"DATETIME_FORMAT"`` (a moment), never a format of
their own, so every page (the admin too) reads the same.
"""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
TIME_FORMAT = "H:i"

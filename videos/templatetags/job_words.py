"""``{{ job|next_step }}``, ``{{ job|announcement }}``, ``{{ job|settings_summary }}``: the
job's words (``videos.presentation``) in its pages."""

from django import template

from videos import presentation

register = template.Library()

register.filter("settings_summary", presentation.settings_summary)
register.filter("next_step", presentation.next_step)
register.filter("announcement", presentation.announcement)

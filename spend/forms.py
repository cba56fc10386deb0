import uuid
from datetime import datetime

from django import forms
from django.http import QueryDict
from django.utils import timezone

from keys.models import ProviderKey
from videos.forms import ClientProjectFilter
from workspaces.models import month_of


class SpendFilter(ClientProjectFilter):
    """The spend page's filters (GET): a month (this one unless another is chosen), and the
    client, project and key. A key the visitor cannot see filters to nothing."""

    month = forms.CharField(
        label="Month",
        required=False,
        widget=forms.DateInput(attrs={"type": "month", "placeholder": "2026-01"}),
    )
    key = forms.ChoiceField(label="Key", required=False)

    field_order = ["month", "client", "project", "key"]

    def __init__(self, query, *, user, workspace=None):
        super().__init__(query, user=user, workspace=workspace)
        self.wanted["key"] = query.get("key", "").strip()
        keys = ProviderKey.objects.visible_to(user).select_related("workspace")
        if workspace is not None:
            keys = keys.filter(workspace=workspace)
        self.keys = list(keys)
        several = len({k.workspace_id for k in self.keys}) > 1
        self.fields["key"].choices = [("", "Any key")] + [
            (str(k.public_id), f"{k.label} ({k.masked}, {k.workspace.name})" if several else str(k))
            for k in self.keys
        ]
        self.period, self.month_error = self._month(query.get("month", "").strip())
        # A copy: the parent's ``initial`` is ``wanted`` itself, which says what is filtered.
        self.initial = {**self.wanted, "month": f"{self.period:%Y-%m}"}

    @staticmethod
    def _month(value: str):
        """(first instant of the chosen month, error message): this month when none or a
        month that cannot be read is given."""
        this_month, _ = month_of()
        if not value:
            return this_month, ""
        try:
            chosen = datetime.strptime(value, "%Y-%m")
        except ValueError:
            return this_month, f"“{value[:20]}” is not a month like 2026-01: showing this month."
        # Spend starts with the app and has no far future (the page links the months on
        # either side of the one shown, which must exist too).
        last_year = this_month.year + 1
        if not 2000 <= chosen.year <= last_year:
            return this_month, f"Choose a month from 2000 to {last_year}: showing this month."
        return timezone.make_aware(chosen), ""

    @property
    def active(self) -> bool:
        return any(self.wanted.values())

    def apply(self, queryset, path: str = ""):
        queryset = super().apply(queryset, path)
        if self.wanted["key"]:
            try:
                public_id = uuid.UUID(self.wanted["key"])
            except ValueError:
                return queryset.none()
            keys = [k.pk for k in self.keys if k.public_id == public_id]
            queryset = queryset.filter(**{f"{path}key__in": keys})
        return queryset

    def query(self, **changes) -> str:
        """The filters as a query string, with ``changes`` (for the CSV link, other months)."""
        values = QueryDict(mutable=True)
        for name, value in {**self.wanted, "month": f"{self.period:%Y-%m}", **changes}.items():
            if value:
                values[name] = value
        return values.urlencode()


class BudgetForm(forms.Form):
    """A workspace's (or one of its clients') monthly budget."""

    client = forms.ChoiceField(
        label="Budget for",
        required=False,
        help_text="The whole workspace, or the videos made for one client.",
    )
    monthly_amount = forms.DecimalField(
        label="Monthly budget (USD)",
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text="A video that would take the month's spend past it is not started.",
    )

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, auto_id="budget-%s", **kwargs)
        self.workspace = workspace
        self.clients = {str(c.public_id): c for c in workspace.clients.all()}
        self.fields["client"].choices = [("", f"All of {workspace.name}")] + [
            (public_id, client.name) for public_id, client in self.clients.items()
        ]

    def clean_client(self):
        return self.clients.get(self.cleaned_data["client"])

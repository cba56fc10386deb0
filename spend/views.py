import csv
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.spreadsheet import text_cell
from workspaces import access
from workspaces.models import Budget, TeamRuleBroken, Workspace, month_of

from .forms import BudgetForm, SpendFilter
from .report import SpendReport


def overview(request, workspace=None):
    scope = access.workspace_in_url(request, workspace)
    return _page(request, scope)


def _page(request, scope, budget_form=None):
    filters = SpendFilter(request.GET, user=request.user, workspace=scope)
    report = SpendReport(request.user, scope, filters)
    managed_workspaces = list(Workspace.objects.managed_by(request.user).order_by("name"))
    managed = {w.pk for w in managed_workspaces}
    if scope is not None and scope.pk in managed and budget_form is None:
        budget_form = BudgetForm(workspace=scope)
    here = [scope.slug] if scope else []
    bars = report.by_month()
    previous, _ = month_of(filters.period - timedelta(days=1))
    _, following = month_of(filters.period)
    context = {
        "scope": scope,
        "filters": filters,
        "totals": report.totals(),
        "clients": report.by_client(),
        "keys": report.by_key(),
        "bars": bars,
        "chart_top": max(bar.total for bar in bars),
        "budgets": report.budgets(),
        "managed": managed,
        "managed_workspaces": managed_workspaces,
        "previous_month": previous,
        "previous_query": filters.query(month=f"{previous:%Y-%m}"),
        "next_month": following,
        "next_query": filters.query(month=f"{following:%Y-%m}"),
        "budget_form": budget_form,
        "export_url": f"{reverse('spend:export', args=here)}?{filters.query()}",
        "page_url": reverse("spend:overview", args=here),
    }
    status = 400 if budget_form is not None and budget_form.errors else 200
    return render(request, "spend/overview.html", context, status=status)


class _Echo:
    """A file that hands back what is written to it: csv.writer then yields row by row."""

    def write(self, value):
        return value


def _amount(value) -> str:
    if value is None:
        return ""
    text = f"{value:.6f}".rstrip("0")
    whole, _, cents = text.partition(".")
    return f"{whole}.{cents.ljust(2, '0')}"


HEADER = [
    "date",
    "title",
    "workspace",
    "client",
    "project",
    "campaign",
    "key",
    "model",
    "status",
    "estimated (USD)",
    "reported (USD)",
    "counted (USD)",
    "prompt",
    "link",
    "cost note",
]


def _rows(jobs, site: str):
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADER)
    for job in jobs.iterator(chunk_size=500):
        project = job.project
        variant = getattr(job, "variant", None)
        yield writer.writerow(
            [
                timezone.localtime(job.created_at).date().isoformat(),
                text_cell(job.label),
                text_cell(job.workspace.name if job.workspace else ""),
                text_cell(project.client.name if project else ""),
                text_cell(project.name if project else ""),
                text_cell(variant.campaign.name if variant else ""),
                text_cell(job.key.label) if job.key is not None else "(deleted key)",
                text_cell(job.model),
                job.get_status_display(),
                _amount(job.estimated_cost),
                _amount(job.cost),
                _amount(job.charged if job.charged is not None else Decimal(0)),
                text_cell(job.prompt),
                site + job.get_absolute_url(),
                text_cell(job.cost_note(job.charged)),
            ]
        )


def export(request, workspace=None):
    """The filtered month's jobs as CSV, one row per job (its title, prompt and a link to it),
    streamed in a fixed number of queries (the key by its label only)."""
    scope = access.workspace_in_url(request, workspace)
    filters = SpendFilter(request.GET, user=request.user, workspace=scope)
    jobs = (
        SpendReport(request.user, scope, filters)
        .month_jobs.with_charged()
        .select_related("workspace", "project__client", "key", "variant__campaign")
        .only(
            "public_id",
            "created_at",
            "prompt",
            "version",
            "parent",
            "model",
            "status",
            "estimated_cost",
            "cost",
            "unusable_cost",
            "workspace__name",
            "project__name",
            "project__client__name",
            "key__label",
            "variant__campaign__name",
        )
        .with_takes()
        .order_by("created_at", "pk")
    )
    # Links open from a spreadsheet: absolute, on the public address when one is set.
    site = settings.PUBLIC_URL or request.build_absolute_uri("/").rstrip("/")
    name = f"spend-{scope.slug + '-' if scope else ''}{filters.period:%Y-%m}.csv"
    response = StreamingHttpResponse(_rows(jobs, site), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _budget_workspace(request, slug):
    """The workspace whose budgets the visitor sets (404 unless a member, 403 unless an owner
    or admin: those who manage its keys, and so its account with the provider)."""
    return access.get_for_user(Workspace.objects, request.user, needs="can_set_budgets", slug=slug)


@require_POST
def budget_set(request, slug):
    workspace, membership = _budget_workspace(request, slug)
    form = BudgetForm(request.POST, workspace=workspace)
    if form.is_valid():
        client, amount = form.cleaned_data["client"], form.cleaned_data["monthly_amount"]
        try:
            budget = Budget.set(workspace, client, amount, by=membership)
        except TeamRuleBroken as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"{budget.name} now has a monthly budget of ${amount:.2f}.")
            return redirect("spend:overview", workspace.slug)
    return _page(request, workspace, budget_form=form)


@require_POST
def budget_remove(request, slug, public_id):
    budget, membership = access.get_for_user(
        Budget.objects.select_related("workspace", "client"),
        request.user,
        needs="can_set_budgets",
        workspace__slug=slug,
        public_id=public_id,
    )
    budget.remove(by=membership)
    messages.success(request, f"Removed the monthly budget of {budget.name}.")
    return redirect("spend:overview", slug)

"""A marketer's outcomes in Chromium, with a real worker and the sandbox, desktop and phone:
a video made and extended, whose job and spend pages count what was estimated before; a prompt
the provider's safety rules refuse while it is being made, ending blocked with one action that
helps; a campaign refused by the budget with figures that agree with the spend page, started
once the budget is raised."""

import re
from decimal import Decimal

import pytest

from campaigns.models import Campaign
from tests.factories import GEMINI_KEY, OPENROUTER_KEY, make_key
from tests.helpers import DESKTOP, PHONE, accessible, settled
from videos.models import VideoJob
from workspaces.access import personal_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONEY = re.compile(r"\$\d+\.\d\d")


def money_in(text: str) -> str:
    return MONEY.search(text).group(0)


def ready(page, job_count: int, timeout: float = 60_000):
    """Wait on the job page until the newest job's clips show (the panel polls)."""
    page.locator(".carousel video, video[data-clip]").first.wait_for(timeout=timeout)
    return VideoJob.objects.order_by("-created_at")[:job_count]


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_marketers_outcomes_tell_the_truth(signed_in, user, start_worker, screenshot, device):
    base, open_page = signed_in
    gemini = make_key(user, GEMINI_KEY, "gemini", label="Gemini")
    agency = make_key(user, OPENROUTER_KEY, label="Agency")
    workspace = personal_workspace(user)
    start_worker()
    page = open_page(DESKTOP if device == "desktop" else PHONE)
    shot = f"outcomes-{device}"

    # 1. A 4 s Omni video: the summary shows its price and that no budget is set yet.
    page.goto(f"{base}/generate/")
    page.get_by_label("Key", exact=True).select_option(str(gemini.pk))
    settled(page)
    page.get_by_label("Model").select_option("gemini-omni-1.1-flash")
    settled(page)
    page.get_by_label("Duration").select_option("4")
    settled(page)
    page.locator(".estimate", has_text="$0.41").wait_for()
    assert "No budget set" in page.locator("#generate-summary").inner_text()
    page.get_by_label("Prompt", exact=True).fill("A cat on a sunny windowsill")
    screenshot(page, f"{shot}-1-generate")
    page.get_by_role("button", name="Generate", exact=True).click()
    page.wait_for_url(re.compile(r"/videos/[0-9a-f-]+/$"))
    page.get_by_text("Your clips are done").wait_for(timeout=60_000)
    first = VideoJob.objects.get()
    assert first.status == VideoJob.Status.READY

    # 2. Extend it: the price asked first is the price counted after.
    page.reload()
    extend = page.get_by_role("link", name=re.compile(r"^Extend"))
    offered = money_in(extend.inner_text())
    extend.click()
    estimate = money_in(page.locator(".estimate").inner_text())
    assert estimate == offered == "$0.81"
    accessible(page, "extend")
    screenshot(page, f"{shot}-2-extend")
    page.get_by_role("button", name="Make the extended version").click()
    page.wait_for_url(re.compile(r"/videos/[0-9a-f-]+/$"))
    page.get_by_text("Your clips are done").wait_for(timeout=60_000)
    page.reload()
    details = page.locator("dl", has_text="Settings").first.inner_text()
    assert "8 s" in details and f"Cost\n{estimate}" in details.replace("\t", "\n"), details
    screenshot(page, f"{shot}-3-extended")
    second = VideoJob.objects.exclude(pk=first.pk).get()
    assert f"${second.cost:.2f}" == estimate
    # The spend page counts both as they were priced before they were made.
    page.goto(f"{base}/w/{workspace.slug}/spend/")
    total = page.locator(".card", has_text="Gemini").first.inner_text()
    assert "$1.22" in total, total  # $0.41 + $0.81

    # 3. The safety rules refuse a prompt while it is made: blocked, one action that helps.
    page.goto(f"{base}/generate/")
    page.get_by_label("Key", exact=True).select_option(str(agency.pk))
    settled(page)
    page.get_by_label("Model").select_option("google/veo-3.1")
    settled(page)
    page.get_by_label("Duration").select_option("4")
    settled(page)
    page.get_by_label("Prompt", exact=True).fill("[sandbox:safety] A street brawl")
    page.get_by_role("button", name="Generate", exact=True).click()
    page.wait_for_url(re.compile(r"/videos/[0-9a-f-]+/$"))
    page.get_by_role("heading", name=re.compile("safety")).wait_for(timeout=60_000)
    problem = page.locator(".card", has=page.get_by_role("heading", name=re.compile("safety")))
    text = problem.first.inner_text()
    assert "Nothing was charged" in text and "Submit again" not in text
    actions = problem.first.locator(".actions a")
    assert actions.count() == 1 and actions.first.inner_text() == "Change the prompt or settings"
    accessible(page, "blocked")
    screenshot(page, f"{shot}-4-blocked")

    # 4. A campaign of 2 formats x 2 takes past the budget: the refusal's figures are the
    # spend page's, and it starts once the budget is raised by what it falls short.
    spent = sum(
        (j.cost or Decimal(0)) for j in VideoJob.objects.filter(status=VideoJob.Status.READY)
    ).quantize(Decimal("0.01"))
    page.goto(f"{base}/w/{workspace.slug}/spend/#budgets")
    page.get_by_label("Monthly budget (USD)").fill("3.00")
    page.get_by_role("button", name="Save budget").click()
    page.get_by_role("heading", name="Monthly budgets").wait_for()
    spend_row = page.locator("#budgets tbody tr").first.inner_text()
    assert f"${spent:.2f}" in spend_row
    page.goto(f"{base}/generate/")
    page.get_by_label("Key", exact=True).select_option(str(agency.pk))
    settled(page)
    page.get_by_label("Model").select_option("google/veo-3.1")
    settled(page)
    page.get_by_label("Duration").select_option("4")
    settled(page)
    page.get_by_label("Generate audio").uncheck()
    settled(page)
    left = f"${Decimal('3.00') - spent:.2f}"
    assert left in page.locator("#generate-summary").inner_text()
    page.get_by_label("Prompt", exact=True).fill("Our sparkling water on a picnic table")
    page.locator("summary", has_text="Make a campaign").click()
    page.get_by_label("Feed square (1:1)").check()
    page.get_by_label("Takes of each").select_option("2")
    page.get_by_role("button", name="Plan the campaign").click()
    page.get_by_role("button", name="Start 4 videos").click()
    refusal = page.locator(".messages").inner_text()
    assert "This campaign of 4 videos is estimated at $3.20" in refusal, refusal
    assert f"${spent:.2f} spent or still being made this month, {left} left" in refusal
    short = f"${Decimal('3.20') - Decimal(left[1:]):.2f}"  # the figures add up as shown
    assert f"so it is {short} short" in refusal
    assert VideoJob.objects.count() == 3
    screenshot(page, f"{shot}-5-refused")
    page.goto(f"{base}/w/{workspace.slug}/spend/#budgets")
    page.get_by_label("Monthly budget (USD)").fill(f"{Decimal('3.00') + Decimal(short[1:]):.2f}")
    page.get_by_role("button", name="Save budget").click()
    page.get_by_role("heading", name="Monthly budgets").wait_for()
    page.goto(f"{base}{Campaign.objects.get().get_absolute_url()}")
    page.get_by_role("button", name="Start 4 videos").click()
    page.locator(".board").wait_for()
    assert VideoJob.objects.count() == 7
    screenshot(page, f"{shot}-6-started")
    assert page.errors == []

"""Small questions asked of a request."""

MOBILE_AGENTS = ("Mobile", "Android", "iPhone", "iPad", "iPod")


def is_mobile(request) -> bool:
    """Phones get the single-clip download only (the zip of all clips is for desktops)."""
    agent = request.headers.get("User-Agent", "")
    return any(word in agent for word in MOBILE_AGENTS)

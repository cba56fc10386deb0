"""Runs inside the isolated google-genai 3.x environment; stdlib and the SDK only.

stdin: {"expected_version", "base_url", "api_key", "api_version",
        "calls": [{"op": "create"|"get"|"cancel", "kwargs": {...}}]}
stdout: {"version", "results": [{"ok": true, "requests": [...]} |
                                 {"ok": false, "error_type", "message"}]}
Each request is {"method", "url", "headers", "content_b64"}. Nothing leaves the process:
the SDK's httpx2 client gets a MockTransport that records the request and answers it.
"""

import base64
import json
import sys


def main() -> int:
    job = json.load(sys.stdin)
    import google.genai
    import httpx2
    from google.genai import types

    if google.genai.__version__ != job["expected_version"]:
        print(
            f"google-genai {google.genai.__version__} found, {job['expected_version']} expected",
            file=sys.stderr,
        )
        return 3

    sent = []

    def answer(request):
        request.read()
        sent.append(request)
        status = "cancelled" if request.url.path.endswith("/cancel") else "in_progress"
        return httpx2.Response(200, json={"id": "v1_oracle", "status": status})

    client = google.genai.Client(
        vertexai=False,
        api_key=job["api_key"],
        http_options=types.HttpOptions(
            base_url=job["base_url"],
            api_version=job["api_version"],
            client_args={"transport": httpx2.MockTransport(answer)},
        ),
    )
    results = []
    for call in job["calls"]:
        sent.clear()
        method = getattr(client.interactions, call["op"])
        try:
            method(**call["kwargs"])
        except (TypeError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
            if sent:
                raise
            results.append({"ok": False, "error_type": type(exc).__name__, "message": str(exc)})
            continue
        requests = [
            {
                "method": request.method,
                "url": str(request.url),
                "headers": {key.lower(): value for key, value in request.headers.items()},
                "content_b64": base64.b64encode(request.content).decode("ascii"),
            }
            for request in sent
        ]
        results.append({"ok": True, "requests": requests})
    client.close()
    json.dump({"version": google.genai.__version__, "results": results}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

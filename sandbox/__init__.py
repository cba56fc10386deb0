"""Offline stand-in for the OpenRouter and Gemini video APIs, as strict as the real ones.

``python -m sandbox --port 8765`` serves, from one process:

* OpenRouter under ``/api/v1`` (``POST /videos``, ``GET /videos/{id}``,
  ``GET /videos/{id}/content?index=N``, ``GET /videos/models``, ``GET /key``), shaped after
  OpenRouter's OpenAPI spec and the ``openrouter`` SDK, bearer keys starting ``sk-or-v1-sandbox``;
* Gemini under ``/v1beta`` and ``/v1``: ``GET /models``, Veo through
  ``POST /models/{m}:predictLongRunning`` and ``GET /models/{m}/operations/{id}``, Gemini Omni
  through the Interactions API (``POST /interactions``, ``GET``/``DELETE /interactions/{id}``,
  ``POST /interactions/{id}/cancel``), files (``GET /files/{id}:download?alt=media``,
  ``GET /files/{id}``), keys starting ``AIzaSandbox`` in ``x-goog-api-key`` or ``?key=``;
* control endpoints ``GET /_sandbox/stats`` and ``POST /_sandbox/reset``.

What the real APIs refuse, the sandbox refuses with the same status and message. Jobs finish after
``--job-seconds`` and download as real, small, playable MP4s rendered with PyAV. Markers in the
prompt pick scenarios (full table in :mod:`sandbox.scenarios`). Tests start it with
:class:`sandbox.testing.SandboxProcess`. See ``sandbox/README.md``.
"""

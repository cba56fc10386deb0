"""Offline stand-in for the OpenRouter and Gemini (Veo) video APIs.

``python -m sandbox --port 8765`` serves, from one process:

* OpenRouter under ``/api/v1`` (``POST /videos``, ``GET /videos/{id}``,
  ``GET /videos/{id}/content?index=N``, ``GET /videos/models``, ``GET /key``), shaped after
  OpenRouter's OpenAPI spec, bearer keys starting ``sk-or-v1-sandbox``;
* Gemini under ``/v1beta`` and ``/v1`` (``GET /models``, ``POST /models/{m}:predictLongRunning``,
  ``GET /models/{m}/operations/{id}``, ``GET /files/{id}:download?alt=media``), keys starting
  ``AIzaSandbox`` in ``x-goog-api-key`` or ``?key=``;
* control endpoints ``GET /_sandbox/stats`` and ``POST /_sandbox/reset``.

Jobs finish after ``--job-seconds`` and download as real, small, playable MP4s rendered with
PyAV. Markers in the prompt pick failure scenarios (full table in :mod:`sandbox.scenarios`):
``[sandbox:fail]``, ``[sandbox:expire]``, ``[sandbox:gone]``, ``[sandbox:safety]``,
``[sandbox:429-submit=N]``, ``[sandbox:429-poll=N]``, ``[sandbox:500-submit=N]``,
``[sandbox:500-poll=N]``, ``[sandbox:500-download=N]``, ``[sandbox:broken-download=N]``,
``[sandbox:slow=SECONDS]``, ``[sandbox:not-video]``, ``[sandbox:huge=BYTES]``,
``[sandbox:unsigned]``, ``[sandbox:signed-other-host]``, ``[sandbox:clips=N]``.

Tests start it with :class:`sandbox.testing.SandboxProcess`. See ``sandbox/README.md``.
"""

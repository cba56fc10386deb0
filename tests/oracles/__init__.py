"""The official provider SDKs as oracles for request bodies.

For the same inputs, the body an adapter sends must equal the body the SDK builds. Each
function runs the real SDK with a mock transport (nothing leaves the process) and returns what
it would have sent:

- `openrouter_body(**kwargs)`: `openrouter` 1.3.84, `video_generation.generate(**kwargs)`.
- `genai2_veo_body(model, *, prompt, image, video_uri, config)`: google-genai 2.34,
  `models.generate_videos` on the Gemini Developer API (`predictLongRunning`).
- `genai3_interactions_body(**kwargs)`: google-genai 3.4, `interactions.create(**kwargs)` with
  `api_version="v1beta"`, run in its own cached venv; `golden.load_golden(name)` has the
  bodies of `scenarios.INTERACTION_SCENARIOS` without needing that venv.

The `*_request` variants return a `CapturedRequest` (method, url, path, query, headers, exact
`content` bytes). A client-side refusal by the SDK raises `OracleRefused`.
"""

from .capture import (
    CapturedRequest,
    OracleEnvUnavailable,
    OracleError,
    OracleRefused,
)
from .genai2 import GENAI2_VERSION, genai2_veo_body, genai2_veo_request
from .genai3 import (
    GENAI3_VERSION,
    ensure_genai3_env,
    genai3_cancel_request,
    genai3_get_request,
    genai3_interactions_body,
    genai3_interactions_request,
    genai3_run,
)
from .golden import golden_body, load_golden
from .openrouter import OPENROUTER_VERSION, openrouter_body, openrouter_request

__all__ = [
    "GENAI2_VERSION",
    "GENAI3_VERSION",
    "OPENROUTER_VERSION",
    "CapturedRequest",
    "OracleEnvUnavailable",
    "OracleError",
    "OracleRefused",
    "ensure_genai3_env",
    "genai2_veo_body",
    "genai2_veo_request",
    "genai3_cancel_request",
    "genai3_get_request",
    "genai3_interactions_body",
    "genai3_interactions_request",
    "genai3_run",
    "golden_body",
    "load_golden",
    "openrouter_body",
    "openrouter_request",
]

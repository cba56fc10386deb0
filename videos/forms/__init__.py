"""The videos app's forms, one module per concern, all re-exported here: ``generate`` (the
generate form, built from ``fields``, the settings that follow the model, and ``campaign``, its
variants), ``keys``, ``job`` (the job page's forms) and ``filters`` (the lists')."""

from .campaign import CampaignVariants
from .fields import (
    IMAGE_FIELDS,
    AudioBox,
    AudioField,
    ModelFields,
    SettingField,
    project_choices,
    same_setting,
)
from .filters import FORMAT_NAMES, ClientProjectFilter, LibraryFilter, format_choices
from .generate import GenerateForm, preset_initial
from .job import ClipTitleForm, CompareForm, ConfirmForm, ContinueForm, MoveProjectForm
from .keys import (
    KEY_STORAGE_NOTE,
    MAX_SECRET_LENGTH,
    MIN_SECRET_LENGTH,
    ProviderKeyForm,
    ReplaceSecretForm,
    SecretField,
    clean_secret,
    key_choice_label,
)

__all__ = [
    "FORMAT_NAMES",
    "IMAGE_FIELDS",
    "KEY_STORAGE_NOTE",
    "MAX_SECRET_LENGTH",
    "MIN_SECRET_LENGTH",
    "AudioBox",
    "AudioField",
    "CampaignVariants",
    "ClientProjectFilter",
    "ClipTitleForm",
    "CompareForm",
    "ConfirmForm",
    "ContinueForm",
    "GenerateForm",
    "LibraryFilter",
    "ModelFields",
    "MoveProjectForm",
    "ProviderKeyForm",
    "ReplaceSecretForm",
    "SecretField",
    "SettingField",
    "clean_secret",
    "format_choices",
    "key_choice_label",
    "preset_initial",
    "project_choices",
    "same_setting",
]

"""The videos app's forms, one module per concern, all re-exported here: ``generate`` (the
generate form, built from ``fields``, the settings that follow the model, and ``campaign``, its
variants), ``job`` (the job page's forms) and ``filters`` (the lists')."""

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

__all__ = [
    "FORMAT_NAMES",
    "IMAGE_FIELDS",
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
    "SettingField",
    "format_choices",
    "preset_initial",
    "project_choices",
    "same_setting",
]

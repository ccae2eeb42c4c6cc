"""The wizard as one flow for every front end: `questions` (what can be asked),
`state` (the Flow: answers, presets from flags, Back that keeps answers, the reviewed
plan), `steps` (what is left to do), and `finish` (the one finisher)."""

from wizard.flow.questions import INFO_IDS, Choice, Kind, Question
from wizard.flow.state import Flow, image_note

__all__ = ["INFO_IDS", "Choice", "Flow", "Kind", "Question", "image_note"]

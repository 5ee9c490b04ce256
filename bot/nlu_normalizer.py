"""First NLU component: the text NLU sees is normalized like the core reads it (traditional → simplified,
full-width → half-width), in training and at run time."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from policy_core.normalize import normalize_text

# The intent classifier cannot score a text without features; an empty message is classified as this
# word instead (the policy core still sees the resident's own, empty, text).
EMPTY_TEXT_STAND_IN = "空白"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class TextNormalizer(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TextNormalizer:
        return cls()

    def _normalize(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str):
                message.set(TEXT, normalize_text(text) or EMPTY_TEXT_STAND_IN)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._normalize(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        return self._normalize(messages)

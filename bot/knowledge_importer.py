"""Rasa training data from knowledge/: every fact topic is an intent, its example questions are the
training examples, and one rule sends it to action_answer_policy. Adding a fact needs no code."""

from __future__ import annotations

import os
from typing import Any, Optional

from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.core.training_data.structures import StoryGraph
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import dump_obj_as_yaml_to_string

from policy_core import load_knowledge_base
from policy_core.answerability import UNCOVERED_INTENT, uncovered_examples
from policy_core.knowledge_base import DEFAULT_KNOWLEDGE_DIR, KnowledgeBase
from policy_core.routing import load_routing_table

ANSWER_ACTION = "action_answer_policy"


def topic_examples(knowledge: KnowledgeBase) -> dict[str, list[str]]:
    """Intent name → its example questions, in file order, without repeats."""
    examples: dict[str, list[str]] = {}
    for fact in knowledge.facts:
        bucket = examples.setdefault(fact.topic, [])
        bucket += [q for q in fact.questions if q not in bucket]
    return examples


class KnowledgeImporter(TrainingDataImporter):
    """Adds the knowledge base to what RasaFileImporter reads from data/ and domain.yml."""

    def __init__(
        self,
        config_file: Optional[str] = None,
        domain_path: Optional[str] = None,
        training_data_paths: Optional[Any] = None,
        knowledge_dir: Optional[str] = None,
    ) -> None:
        self.config_file = config_file
        directory = knowledge_dir or os.environ.get("POLICY_KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE_DIR
        self.knowledge = load_knowledge_base(directory)
        self.examples = topic_examples(self.knowledge)
        # An open-world class: questions on the routing table's subjects that no fact answers.
        self.examples[UNCOVERED_INTENT] = uncovered_examples(load_routing_table(directory), self.knowledge)

    def get_domain(self) -> Domain:
        return Domain.from_dict({"intents": list(self.examples)})

    def get_stories(self, exclusion_percentage: Optional[int] = None) -> StoryGraph:
        rules = [
            {"rule": f"answer {topic}", "steps": [{"intent": topic}, {"action": ANSWER_ACTION}]}
            for topic in self.examples
        ]
        text = dump_obj_as_yaml_to_string({"version": "3.1", "rules": rules})
        steps = YAMLStoryReader(self.get_domain()).read_from_string(text)
        return StoryGraph(steps)

    def get_conversation_tests(self) -> StoryGraph:
        return StoryGraph([])

    def get_config(self) -> dict:
        return {}

    def get_config_file_for_auto_config(self) -> Optional[str]:
        return None

    def get_nlu_data(self, language: Optional[str] = "en") -> TrainingData:
        messages = [
            Message.build(text=question, intent=topic)
            for topic, questions in self.examples.items()
            for question in questions
        ]
        return TrainingData(training_examples=messages)

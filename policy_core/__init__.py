"""Policy core: plain Python, no Rasa. Knowledge data in, finished messages out."""

from .answers import FactAnswer, NotCovered, PolicyService, today_in_china
from .categories import PersonCategory, parse_person_category
from .knowledge_base import KnowledgeBase, KnowledgeBaseError, PolicyFact, load_knowledge_base
from .months import MonthParseError, YearMonth, parse_month
from .privacy import mask_personal_data
from .regions import city_of
from .replies import Question, Reply, respond

__all__ = [
    "FactAnswer",
    "NotCovered",
    "PolicyService",
    "today_in_china",
    "PersonCategory",
    "parse_person_category",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "PolicyFact",
    "load_knowledge_base",
    "MonthParseError",
    "YearMonth",
    "parse_month",
    "mask_personal_data",
    "city_of",
    "Question",
    "Reply",
    "respond",
]

"""Policy core: plain Python, no Rasa. Knowledge data in, typed answers out."""
from .answers import (
    ArrivalAnswer,
    EligibilityAnswer,
    FactAnswer,
    NotCovered,
    PolicyService,
    ReceiptDescription,
    ReimbursementVerdict,
    SearchHit,
    today_in_china,
)
from .categories import PersonCategory, parse_person_category
from .knowledge_base import KnowledgeBase, KnowledgeBaseError, PolicyFact, load_knowledge_base
from .months import MonthParseError, YearMonth, parse_month
from .privacy import mask_personal_data
from .regions import city_of

__all__ = [
    "ArrivalAnswer", "EligibilityAnswer", "FactAnswer", "NotCovered", "PolicyService",
    "ReceiptDescription", "ReimbursementVerdict", "SearchHit", "today_in_china",
    "PersonCategory", "parse_person_category", "KnowledgeBase", "KnowledgeBaseError",
    "PolicyFact", "load_knowledge_base", "MonthParseError", "YearMonth", "parse_month",
    "mask_personal_data", "city_of",
]

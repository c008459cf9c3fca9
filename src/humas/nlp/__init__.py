"""Indonesian text analysis for humas: pure (text in, labels and scores out; no database, web or jobs).

Public API: ``normalize``, ``analyze`` / ``Analysis``, ``detect_language``, ``keyphrases``,
``minhash_signature`` / ``minhash_lsh`` / ``to_datasketch``, ``get_model(task)`` for one task's model and
``model_card(task)`` / ``model_cards()`` for what each model was trained on and how it scores, and
``labels(task)`` for the labels a task's model outputs (the choices of filters and pages).
See ``docs/nlp.md``.
"""

from humas.nlp.api import (
    Analysis,
    ModelExcluded,
    Predictor,
    analyze,
    get_model,
    labels,
    load_all,
    model_card,
    model_cards,
)
from humas.nlp.data import ABUSE_LABELS, TASKS
from humas.nlp.keyphrases import keyphrases
from humas.nlp.language import detect_language, detect_languages
from humas.nlp.minhash import NUM_PERM, minhash_lsh, minhash_signature, to_datasketch
from humas.nlp.normalize import normalize

__all__ = [
    "ABUSE_LABELS",
    "NUM_PERM",
    "TASKS",
    "Analysis",
    "ModelExcluded",
    "Predictor",
    "analyze",
    "detect_language",
    "detect_languages",
    "get_model",
    "keyphrases",
    "labels",
    "load_all",
    "minhash_lsh",
    "minhash_signature",
    "model_card",
    "model_cards",
    "normalize",
    "to_datasketch",
]

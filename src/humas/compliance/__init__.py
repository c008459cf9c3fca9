"""Compliance: the guardrails made real on every outgoing path (decision 0097).

``humas.guardrails`` is pure (text in, findings out). This package stores what it needs around them: rule
sets per unit inherited down the tree, the central unit's election list, the findings recorded when a text is
submitted and sent, and the reviewers' audited overrides. Publishing and the inbox call it (it sits between
them and listening/channels in the layers), reports read ``guardrail_measures``.
"""

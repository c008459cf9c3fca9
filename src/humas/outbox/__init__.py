"""The outbox: the one way anything leaves humas (a post, a reply, a hide, an alert, a report e-mail).

A domain adds a row in its caller's transaction (``service.enqueue``) and registers a sender for its kinds
(``handlers.register``); ``runner`` claims rows with a lease, reconciles a row whose last outcome is unknown
before anything is sent again, sends, and records the outcome under one retry policy (``policy``).
"""

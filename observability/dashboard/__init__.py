"""``jobctl dashboard``: a small server-rendered web UI over the queues (extra ``dashboard``).

Pages are rendered by jinja2 with autoescaping on, because every payload,
result and error message shown is user data. Reading needs nothing; actions
(retry, purge, pause, resume, remove a repeat) need the operator's token and
a CSRF token, and otherwise get 403. No build step and one small script
(confirmation dialogs).
"""

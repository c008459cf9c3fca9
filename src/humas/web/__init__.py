"""The web shell: server-rendered pages (Jinja2 + htmx) and the JSON API under /api/v1.

Adding a domain's pages (e.g. `humas/web/mentions.py`, already named in `app.PAGE_MODULES`):

    router = APIRouter(include_in_schema=False)

    @router.get("/mentions/{mention_id}", response_class=HTMLResponse)
    def mention_page(request: Request, session: DbSession, user: CurrentUser, mention_id: IdPath):
        \"\"\"One mention.\"\"\"
        mention = listening_service.access_mention(session, user, mention_id)   # 404 outside the subtree
        return render(request, "mentions/detail.html", mention=mention)

- Every id, number, day or date a route reads is typed with an alias from `humas.web.params` (`IdPath`,
  `OptionalIdParam`, `OptionalDateParam`, ...): bounded in the schema; a bad value is a styled 422, not a 500.
- `DbSession` (commit on success, rollback on error), `CurrentUser` (redirects to /login), `ApiActor` (bearer
  token or session) come from `humas.web.deps`; `render` from `humas.web.templating`.
- State-changing forms include `{{ m.csrf(csrf_token) }}`; htmx requests send the token automatically. The
  app-wide `csrf_protect` answers 403 otherwise.
- Let services raise `HumasError`s. Before calling one from a form POST, `with_form(request, template,
  values=..., **plain_context)` (humas.web.errors) makes the error handler show that form again with the field
  marked; after success, `redirect(url, N_("Done."))` (humas.web.flash) shows a notice.
- Templates: `{% extends "base.html" %}{% import "_macros.html" as m %}`, blocks `title` and `content`;
  every UI string in `{{ _("English text") }}` with its Indonesian translation in
  `src/humas/locale/id/LC_MESSAGES/messages.po` (tests/web/test_i18n.py checks).
- Every `{..._id}` path parameter needs an isolation factory in `tests/web/isolation.py`.
"""

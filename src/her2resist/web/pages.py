"""HTML pages: the same analyses and the same report HTML as the CLI, behind a login.

Pages log in with an API token and then hold a session cookie; every form carries the
session's CSRF token. Jinja2 escapes every value; stored HTML made by the package (reports,
heatmaps, figures) is served as its own document under a script-less policy and shown in a
sandboxed frame, so nothing a user uploaded can run in another user's browser.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from her2resist.engines import DEFAULT_ENGINE
from her2resist.exceptions import Her2ResistError
from her2resist.web.api import (
    JobIn,
    PredictIn,
    cohort_params,
    job_view,
    predict_dict,
    read_upload,
    store_of,
)
from her2resist.web.app import DOCUMENT_CSP
from her2resist.web.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    new_token,
    open_session,
    same_secret,
    session_user,
    user_for_bearer,
)
from her2resist.web.references import reference_url
from her2resist.web.storage import User

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.filters["ref_url"] = reference_url
templates.env.filters["when"] = lambda t: time.strftime("%Y-%m-%d %H:%M", time.gmtime(t or 0))


class LoginRequired(Exception):
    """A page was asked for without a session (answered with a redirect to the login)."""


def page_user(request: Request) -> tuple[User, str]:
    """The session's user and CSRF token; :class:`LoginRequired` without a session."""
    found = session_user(store_of(request), request.cookies.get(SESSION_COOKIE))
    if found is None:
        raise LoginRequired(request.url.path)
    return found


def check_form(request: Request, csrf: str | None) -> User:
    """The user of a form post with a valid CSRF token, counted by the rate limit."""
    user, expected = page_user(request)
    if not same_secret(csrf, expected):
        raise HTTPException(403, "this form is out of date or was not sent by this site "
                            "(CSRF token); reload the page and send it again")
    if not request.app.state.limiter.allow(f"user:{user.id}", now=time.monotonic()):
        raise HTTPException(429, "too many requests in a minute; wait and retry")
    return user


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page from ``templates/NAME`` with the user and CSRF token in its context."""
    found = session_user(store_of(request), request.cookies.get(SESSION_COOKIE))
    user, csrf = found if found else (None, "")
    return templates.TemplateResponse(request, name, {"user": user, "csrf": csrf, **context},
                                      status_code=status)


def document(html: str) -> HTMLResponse:
    """Stored HTML as its own document: styles only, no script, sandboxed."""
    return HTMLResponse(html, headers={"Content-Security-Policy": DOCUMENT_CSP})


def error_text(exc: Exception) -> str:
    """The message a page shows for an input error (the CLI's message)."""
    return str(exc)


# login -----------------------------------------------------------------------------------
@router.get("/login")
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    csrf = request.cookies.get(LOGIN_CSRF_COOKIE) or new_token()
    response = render(request, "login.html", login_csrf=csrf, next=_local(next))
    response.set_cookie(LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="strict",
                        secure=request.app.state.settings.secure_cookies)
    return response


def _local(target: str) -> str:
    """Only a path on this site is a redirect target (no open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.post("/login")
def login(request: Request, token: Annotated[str, Form()], csrf: Annotated[str, Form()],
          next: Annotated[str, Form()] = "/") -> Response:
    if not same_secret(csrf, request.cookies.get(LOGIN_CSRF_COOKIE)):
        raise HTTPException(403, "the login form is out of date; reload it and try again")
    store = store_of(request)
    user = user_for_bearer(store, f"Bearer {token}")
    if user is None:
        return render(request, "login.html", 401, login_csrf=csrf, next=_local(next),
                      error="unknown token: use the one `her2resist users add NAME` printed")
    cookie, _ = open_session(store, user)
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="lax",
                        max_age=int(SESSION_MAX_AGE),
                        secure=request.app.state.settings.secure_cookies)
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()]) -> Response:
    check_form(request, csrf)
    from her2resist.web.auth import hash_token

    store_of(request).drop_session(hash_token(request.cookies.get(SESSION_COOKIE, "")))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(request: Request) -> HTMLResponse:
    page_user(request)
    return render(request, "index.html")


# predict ---------------------------------------------------------------------------------
@router.get("/predict")
def predict_page(request: Request) -> HTMLResponse:
    page_user(request)
    return render(request, "predict.html", form={"alterations": [], "regimen": "",
                                                 "engine": DEFAULT_ENGINE})


@router.post("/predict")
def predict_post(request: Request, csrf: Annotated[str, Form()],
                 regimen: Annotated[str, Form()],
                 alteration: Annotated[list[str] | None, Form()] = None,
                 engine: Annotated[str, Form()] = DEFAULT_ENGINE) -> HTMLResponse:
    check_form(request, csrf)
    alterations = [a.strip() for a in alteration or [] if a.strip()]
    form = {"alterations": alterations, "regimen": regimen, "engine": engine}
    try:
        body = PredictIn.model_validate({"alterations": alterations, "regimen": regimen,
                                         "engine": engine})
        result = predict_dict(body)
    except (Her2ResistError, ValueError) as exc:
        return render(request, "predict.html", 422, form=form, error=error_text(exc))
    query = "&".join([f"a={quote(a)}" for a in alterations] + [f"r={quote(regimen)}"])
    return render(request, "predict.html", form=form, result=result, figure=f"/predict/report?"
                  f"{query}")


@router.get("/predict/report")
def predict_report(request: Request, r: str,
                   a: Annotated[list[str] | None, Query()] = None) -> HTMLResponse:
    """The CLI's HTML report for these alterations and this regimen only (trace, figure)."""
    page_user(request)
    from her2resist.profile import TumourProfile
    from her2resist.report import build_report, render_html

    try:
        made = build_report(TumourProfile.from_alterations("prediction", a or []), regimens=[r],
                            standard=False)
    except Her2ResistError as exc:
        raise HTTPException(422, str(exc)) from None
    return document(render_html([made]))


# reports ---------------------------------------------------------------------------------
@router.get("/reports")
def reports_page(request: Request) -> HTMLResponse:
    user, _ = page_user(request)
    return render(request, "reports.html", reports=store_of(request).list_reports(user))


@router.post("/reports")
def reports_post(request: Request, csrf: Annotated[str, Form()],
                 file: Annotated[UploadFile, File()],
                 kind: Annotated[str, Form()] = "", sample: Annotated[str, Form()] = "",
                 regimen: Annotated[str, Form()] = "") -> Response:
    user = check_form(request, csrf)
    from her2resist.web.reports import report_from_upload

    settings = request.app.state.settings
    data = read_upload(request, file)
    name = file.filename or "upload"
    try:
        made = report_from_upload(name, data, kind=kind or None, sample=sample or None,
                                  regimens=[x.strip() for x in regimen.split(";") if x.strip()],
                                  only_named=False, max_unzipped=settings.max_unzipped,
                                  max_entries=settings.max_zip_entries)
    except Her2ResistError as exc:
        return render(request, "reports.html", 422, error=error_text(exc),
                      reports=store_of(request).list_reports(user))
    rid = store_of(request).add_report(user, name[:255], made.samples, made.json, made.html)
    return RedirectResponse(f"/reports/{rid}", status_code=303)


def _own_report(request: Request, rid: str) -> dict[str, Any]:
    user, _ = page_user(request)
    found = store_of(request).report(user, rid)
    if found is None:
        raise HTTPException(404, "no such report")
    return found


@router.get("/reports/{rid}")
def report_page(request: Request, rid: str) -> HTMLResponse:
    return render(request, "report.html", report=_own_report(request, rid))


@router.get("/reports/{rid}/document")
def report_document(request: Request, rid: str) -> HTMLResponse:
    return document(_own_report(request, rid)["html"])


# jobs: screens, targets, synergy ---------------------------------------------------------
@router.get("/jobs")
def jobs_page(request: Request) -> HTMLResponse:
    user, _ = page_user(request)
    return render(request, "jobs.html", jobs=[job_view(j) for j in
                                              store_of(request).list_jobs(user)])


@router.post("/jobs")
def jobs_post(request: Request, csrf: Annotated[str, Form()], kind: Annotated[str, Form()],
              alterations: Annotated[str, Form()] = "", agents: Annotated[str, Form()] = "",
              max_size: Annotated[int, Form()] = 2,
              background: Annotated[str, Form()] = "") -> Response:
    user = check_form(request, csrf)
    split = [x.strip() for x in alterations.split(";") if x.strip()]
    try:
        body = JobIn.model_validate({
            "kind": kind, "alterations": split, "max_size": max_size,
            "agents": [x.strip() for x in agents.split(",") if x.strip()],
            "background": background or None})
    except ValueError as exc:
        return render(request, "jobs.html", 422, error=error_text(exc),
                      jobs=[job_view(j) for j in store_of(request).list_jobs(user)])
    return _queue(request, user, body.kind, body.model_dump(exclude={"kind"}))


def _queue(request: Request, user: User, kind: str, params: dict[str, Any],
           data: bytes | None = None, name: str | None = None) -> Response:
    """Store and submit a job; redirect to its page."""
    jid = store_of(request).add_job(user, kind, params, data, name[:255] if name else None)
    request.app.state.runner.submit(jid)
    return RedirectResponse(f"/jobs/{jid}", status_code=303)


def _jobs_of_kind(request: Request, kind: str, template: str) -> HTMLResponse:
    user, _ = page_user(request)
    jobs = [job_view(j) for j in store_of(request).list_jobs(user) if j["kind"] == kind]
    return render(request, template, jobs=jobs)


@router.get("/synergy")
def synergy_page(request: Request) -> HTMLResponse:
    return _jobs_of_kind(request, "synergy", "synergy.html")


@router.post("/synergy")
def synergy_post(request: Request, csrf: Annotated[str, Form()],
                 file: Annotated[UploadFile, File()],
                 method: Annotated[list[str] | None, Form()] = None) -> Response:
    user = check_form(request, csrf)
    data = read_upload(request, file)
    methods = [m for m in method or [] if m in ("zip", "hsa", "bliss", "loewe")] or \
        ["zip", "hsa", "bliss", "loewe"]
    params = {"methods": methods, "response_type": None,
              "file_name": file.filename or "plate.csv"}
    return _queue(request, user, "synergy", params, data, file.filename)


@router.get("/cohort")
def cohort_page(request: Request) -> HTMLResponse:
    return _jobs_of_kind(request, "cohort", "cohort.html")


@router.post("/cohort")
def cohort_post(request: Request, csrf: Annotated[str, Form()],
                file: Annotated[UploadFile, File()], regimen: Annotated[str, Form()] = "",
                regimen_column: Annotated[str, Form()] = "", outcome: Annotated[str, Form()] = "",
                positive: Annotated[str, Form()] = "", time_column: Annotated[
                    str, Form(alias="time")] = "", event: Annotated[str, Form()] = "",
                min_patients: Annotated[int, Form(ge=1)] = 5) -> Response:
    user = check_form(request, csrf)
    data = read_upload(request, file)
    name = file.filename or "study.zip"
    params = cohort_params(request, name, dict(
        regimen=regimen, regimen_column=regimen_column, outcome=outcome, positive=positive,
        time=time_column, event=event, min_patients=min_patients))
    return _queue(request, user, "cohort", params, data, name)


def _own_job(request: Request, jid: str) -> dict[str, Any]:
    user, _ = page_user(request)
    job = store_of(request).job(user, jid)
    if job is None:
        raise HTTPException(404, "no such job")
    return job


@router.get("/jobs/{jid}")
def job_page(request: Request, jid: str) -> HTMLResponse:
    job = _own_job(request, jid)
    figures = sorted(json.loads(job["figures"] or "{}"))
    return render(request, "job.html", job=job_view(job), figures=figures)


@router.get("/jobs/{jid}/figure/{name}")
def job_figure(request: Request, jid: str, name: str) -> HTMLResponse:
    figures = json.loads(_own_job(request, jid)["figures"] or "{}")
    if name not in figures:
        raise HTTPException(404, "no such figure")
    return document(figures[name])

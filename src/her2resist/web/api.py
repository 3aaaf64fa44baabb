"""The JSON API under ``/api``: the CLI's analyses with the CLI's JSON schemas.

Every endpoint needs a user: ``Authorization: Bearer TOKEN``, or a page session whose
state-changing requests carry the session's CSRF token in ``X-CSRF-Token``. Each user is held to
the server's per-minute rate limit (429). Objects of other users answer 404, as if absent.
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from her2resist.engines import DEFAULT_ENGINE, ENGINE_NAMES
from her2resist.web.auth import SESSION_COOKIE, same_secret, session_user
from her2resist.web.jobs import to_json
from her2resist.web.storage import Store, User

router = APIRouter(prefix="/api", tags=["api"])
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def store_of(request: Request) -> Store:
    """The application's store."""
    store: Store = request.app.state.store
    return store


async def require_user(request: Request) -> User:
    """The user of this request (token, or session with CSRF), counted by the rate limit.

    Async on purpose: a token seen in the last minute is answered from memory, so the common
    case costs no database query and no hop to the thread pool.
    """
    store = store_of(request)
    user = request.app.state.tokens.user(store, request.headers.get("authorization"))
    if user is None:
        found = session_user(store, request.cookies.get(SESSION_COOKIE))
        if found is not None:
            user, csrf = found
            if request.method not in SAFE_METHODS and not same_secret(
                    request.headers.get("x-csrf-token"), csrf):
                raise HTTPException(403, "missing or wrong X-CSRF-Token for this session")
    if user is None:
        raise HTTPException(401, "a valid API token is required: Authorization: Bearer TOKEN "
                            "(create one with `her2resist users add NAME`)",
                            headers={"WWW-Authenticate": "Bearer"})
    if not request.app.state.limiter.allow(f"user:{user.id}", now=time.monotonic()):
        raise HTTPException(429, f"more than {request.app.state.limiter.per_minute} requests "
                            "in a minute for this token; wait and retry",
                            headers={"Retry-After": "60"})
    return user


CurrentUser = Annotated[User, Depends(require_user)]


def json_response(text: str, status: int = 200) -> Response:
    """JSON text sent as it is (so it is byte-for-byte what the CLI prints)."""
    return Response(text, status_code=status, media_type="application/json")


class PredictIn(BaseModel):
    """What ``her2resist predict`` takes: alterations, regimen, fixed nodes, engine options."""

    model_config = ConfigDict(extra="forbid")
    alterations: list[str] = Field(default_factory=list, max_length=50,
                                   examples=[["PTEN loss"]])
    regimen: str = Field(min_length=1, max_length=500, examples=["trastuzumab + everolimus"])
    set: dict[str, Literal[0, 1]] = Field(default_factory=dict, max_length=50,
                                          description="Fixed model nodes, as --set NODE=0|1.")
    engine: Literal[ENGINE_NAMES] = DEFAULT_ENGINE  # type: ignore[valid-type]
    context: Literal["patient", "culture"] = Field(
        default="patient", description="Graded engine: patient or culture context, as --context.")
    doses: dict[str, Annotated[float, Field(ge=0)]] = Field(
        default_factory=dict, max_length=20,
        description="Graded engine: drug -> multiple of the default exposure, as --dose.")
    endpoint: Literal["pCR", "ORR"] = "pCR"


def predict_dict(body: PredictIn) -> dict[str, Any]:
    """The dictionary ``her2resist predict --json`` prints for the same inputs."""
    from her2resist.predict.record import prediction_record

    return prediction_record(body.alterations, body.regimen, environment=dict(body.set),
                             engine=body.engine, context=body.context, doses=body.doses,
                             endpoint=body.endpoint).data


@router.post("/predict", summary="Predict a response (as `her2resist predict --json`)")
async def predict(body: PredictIn, request: Request, user: CurrentUser) -> Response:
    # The body is every input of the prediction, and the model is fixed for the server's life:
    # an exact key. A cached answer is sent from the event loop; a new one is computed in the
    # thread pool so that it blocks no other request.
    cache = request.app.state.predictions
    key = body.model_dump_json()
    text = cache.get(key)
    if text is None:
        text = await run_in_threadpool(lambda: to_json(predict_dict(body)))
        cache.put(key, text)
    return json_response(text)


@router.get("/vocabulary", summary="Names accepted for alterations, drugs and drug classes")
def vocabulary(user: CurrentUser) -> dict[str, list[str]]:
    from her2resist.knowledge.catalogue import load_catalogue

    cat = load_catalogue()
    return {"alterations": sorted(cat.alteration_names()),
            "drugs": sorted(cat.drug_names()), "classes": sorted(cat.class_names())}


def read_upload(request: Request, upload: UploadFile) -> bytes:
    """The uploaded file's bytes, within the server's limit (413 beyond it)."""
    limit = request.app.state.settings.max_upload
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"the upload {upload.filename!r} is over the server's limit "
                            f"of {limit} bytes (--max-upload)")
    return data


@router.post("/reports", status_code=201,
             summary="Upload a profile file; the report is built and stored")
def create_report(
    request: Request, user: CurrentUser,
    file: Annotated[UploadFile, File(description="YAML/JSON profile, MAF, VCF, CNA, "
                                     "expression, clinical file, or a zipped cBioPortal study")],
    kind: Annotated[str | None, Form(description="profile, maf, vcf, cna, expression, "
                                     "clinical or study; default: from the file name")] = None,
    sample: Annotated[str | None, Form()] = None,
    regimen: Annotated[list[str] | None, Form()] = None,
    only_named: Annotated[bool, Form()] = False,
) -> dict[str, str]:
    from her2resist.web.reports import report_from_upload

    settings = request.app.state.settings
    data = read_upload(request, file)
    name = file.filename or "upload"
    made = report_from_upload(name, data, kind=kind or None, sample=sample or None,
                              regimens=[r for r in regimen or [] if r.strip()],
                              only_named=only_named, max_unzipped=settings.max_unzipped,
                              max_entries=settings.max_zip_entries)
    rid = store_of(request).add_report(user, name[:255], made.samples, made.json, made.html)
    return {"id": rid}


@router.get("/reports", summary="The user's reports, newest first")
def list_reports(request: Request, user: CurrentUser) -> list[dict[str, Any]]:
    return store_of(request).list_reports(user)


@router.get("/reports/{rid}", summary="A report's JSON (as `her2resist report --format json`)")
def get_report(rid: str, request: Request, user: CurrentUser) -> Response:
    found = store_of(request).report(user, rid)
    if found is None:
        raise HTTPException(404, f"no report {rid!r} for this user")
    from her2resist.web.reports import reports_document

    return json_response(reports_document(found["json"]))


class JobIn(BaseModel):
    """A screen or nodal-target search; the options of ``her2resist screen`` / ``targets``."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["screen", "targets"]
    alterations: list[str] = Field(default_factory=list, max_length=20)
    agents: list[str] = Field(default_factory=list, max_length=30)
    max_size: int = Field(default=2, ge=1, le=3)
    top: int = Field(default=3, ge=1, le=20)
    background: str | None = Field(default=None, max_length=300)
    candidates: str | None = Field(default=None, max_length=2000)
    activations: bool = False
    apoptotic: bool = False
    all_genotypes: bool = False
    engine: Literal[ENGINE_NAMES] = Field(  # type: ignore[valid-type]
        default=DEFAULT_ENGINE, description="Screen engine, as `her2resist screen --engine`.")
    context: Literal["patient", "culture"] = Field(
        default="patient", description="Graded engine: patient or culture context, as --context.")


def job_view(job: dict[str, Any]) -> dict[str, Any]:
    """A job's public fields (no input bytes, results parsed)."""
    out = {k: job.get(k) for k in ("id", "kind", "status", "done", "total", "attempts",
                                   "error", "created", "finished", "input_name")}
    out["params"] = json.loads(job["params"])
    if job.get("result") is not None:
        out["result"] = json.loads(job["result"])
    return out


def _submit(request: Request, jid: str) -> dict[str, str]:
    request.app.state.runner.submit(jid)
    return {"id": jid}


@router.post("/jobs", status_code=202, summary="Queue a screen or nodal-target search")
def create_job(body: JobIn, request: Request, user: CurrentUser) -> dict[str, str]:
    params = body.model_dump(exclude={"kind"})
    return _submit(request, store_of(request).add_job(user, body.kind, params))


@router.post("/jobs/synergy", status_code=202, summary="Queue the scoring of a plate file")
def create_synergy_job(
    request: Request, user: CurrentUser,
    file: Annotated[UploadFile, File(description="Plate CSV (long table or SynergyFinder)")],
    method: Annotated[str, Form()] = "zip,hsa,bliss,loewe",
    response_type: Annotated[str | None, Form()] = None,
) -> dict[str, str]:
    data = read_upload(request, file)
    params = {"methods": [m.strip() for m in method.split(",") if m.strip()],
              "response_type": response_type or None, "file_name": file.filename or "plate.csv"}
    jid = store_of(request).add_job(user, "synergy", params, data, (file.filename or "")[:255])
    return _submit(request, jid)


def cohort_params(request: Request, name: str, options: dict[str, Any]) -> dict[str, Any]:
    """A cohort job's parameters: the CLI's options, the file name and the unzip limits."""
    settings = request.app.state.settings
    return {**{k: (v.strip() if isinstance(v, str) else v) or None for k, v in options.items()},
            "file_name": name, "max_unzipped": settings.max_unzipped,
            "max_entries": settings.max_zip_entries}


@router.post("/jobs/cohort", status_code=202,
             summary="Queue a cohort run (as `her2resist cohort --json`) on an uploaded study")
def create_cohort_job(
    request: Request, user: CurrentUser,
    file: Annotated[UploadFile, File(description="Zipped cBioPortal study, or a profile file")],
    regimen: Annotated[str | None, Form()] = None,
    regimen_column: Annotated[str | None, Form()] = None,
    outcome: Annotated[str | None, Form()] = None,
    positive: Annotated[str | None, Form()] = None,
    time_column: Annotated[str | None, Form(alias="time")] = None,
    event: Annotated[str | None, Form()] = None,
    min_patients: Annotated[int, Form(ge=1)] = 5,
    engine: Annotated[str | None, Form()] = None,
    endpoint: Annotated[str, Form()] = "pCR",
) -> dict[str, str]:
    data = read_upload(request, file)
    name = file.filename or "study.zip"
    params = cohort_params(request, name, dict(
        regimen=regimen, regimen_column=regimen_column, outcome=outcome, positive=positive,
        time=time_column, event=event, min_patients=min_patients, engine=engine, endpoint=endpoint))
    jid = store_of(request).add_job(user, "cohort", params, data, name[:255])
    return _submit(request, jid)


@router.get("/jobs", summary="The user's jobs, newest first, with progress")
def list_jobs(request: Request, user: CurrentUser) -> list[dict[str, Any]]:
    return [job_view(j) for j in store_of(request).list_jobs(user)]


@router.get("/jobs/{jid}", summary="A job: status, progress, and its JSON result when done")
def get_job(jid: str, request: Request, user: CurrentUser, result: bool = True) -> Response:
    """The job; its ``result`` is the CLI's JSON (which writes NaN for an undefined score, as
    Python's json does). ``result=false`` leaves it out (for polling progress)."""
    job = store_of(request).job(user, jid)
    if job is None:
        raise HTTPException(404, f"no job {jid!r} for this user")
    view = job_view(job)
    if not result:
        view.pop("result", None)
    return json_response(json.dumps(view))


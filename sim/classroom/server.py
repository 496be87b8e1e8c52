"""The web server of ``sim class``: two plain pages and a small JSON API over a class session.

A Starlette (ASGI) app served by uvicorn. The pages (``web/``) are static HTML, CSS and
JavaScript with no outside assets, so a class works offline; everything else is JSON:

- ``GET /api/scenario``: the actors to pick from (public);
- ``POST /api/join`` ``{code, team, actor | pin}``: the team's secret token;
- ``GET /api/view`` (header ``X-Team-Token``): the team's screen;
- ``POST /api/act`` (``X-Team-Token``) ``{seq, day, action}``: a decision; answered with the
  screen once the world has moved on;
- ``GET /api/board``, ``POST /api/teacher``, ``GET /api/debrief`` (header ``X-Teacher-Key``): the
  teacher's board, controls and the class debrief.

Every body is checked against a strict schema and a size bound; anything else is refused with a
4xx status and a one-line reason, and never reaches another team's state.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from sim.classroom.session import ClassSession, RefusedError

WEB = Path(__file__).with_name("web")
MOST_BODY_BYTES = 2_048
"""The largest request body accepted: a join or a decision is well under 200 bytes."""
ANSWER_WAIT_S = 20.0
"""How long a decision's answer waits for the world to move on before it answers anyway."""
ANSWER_POLL_S = 0.01
"""How often a waiting answer looks whether the world has moved on (no thread is held)."""
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
"""Sent with every answer: only the server's own scripts run, and no answer is cached."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class JoinRequest(Strict):
    code: Annotated[str, Field(max_length=16)]
    team: Annotated[str, Field(max_length=64)]
    actor: Annotated[str | None, Field(max_length=32)] = None
    pin: Annotated[str | None, Field(max_length=8)] = None


class ActRequest(Strict):
    seq: Annotated[int, Field(ge=0)]
    day: Annotated[int, Field(ge=0)]
    action: Annotated[str, Field(max_length=40)]


class TeacherRequest(Strict):
    command: Literal["start", "advance", "pace", "timer"]
    days: Annotated[int, Field(ge=1, le=400)] = 1
    pace: Literal["free", "teacher"] = "free"
    seconds: Annotated[float, Field(ge=0, le=3600)] = 0.0


def refuse(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=SECURITY_HEADERS)


def answer(data: dict[str, Any]) -> JSONResponse:
    return JSONResponse(data, headers=SECURITY_HEADERS)


async def read_body[T: BaseModel](request: Request, schema: type[T]) -> T:
    """The request's JSON body as ``schema``.

    Raises:
        RefusedError: too large, not JSON, or not of the schema (413, 400, 422).

    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MOST_BODY_BYTES:
        raise RefusedError(413, f"message too large (at most {MOST_BODY_BYTES} bytes)")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MOST_BODY_BYTES:
            raise RefusedError(413, f"message too large (at most {MOST_BODY_BYTES} bytes)")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise RefusedError(400, "not a JSON message") from None
    try:
        return schema.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "message"
        raise RefusedError(422, f"{where}: {first['msg']}") from None


Handler = Callable[[Request], Awaitable[Response]]


def guarded(handler: Handler) -> Handler:
    """A handler whose refusals become a status and a one-line JSON reason."""

    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except RefusedError as err:
            return refuse(err.status, err.message)

    return run


def make_app(session: ClassSession) -> Starlette:
    """The class's web app over ``session``."""

    def teacher(request: Request) -> None:
        key = request.headers.get("x-teacher-key", "")
        if not secrets.compare_digest(key.encode("utf-8", "replace"), session.teacher_key.encode()):
            raise RefusedError(403, "teacher's key required (open the teacher's address)")

    def page(name: str) -> Handler:
        async def serve(request: Request) -> Response:
            return FileResponse(WEB / name, headers=SECURITY_HEADERS)

        return serve

    async def scenario(request: Request) -> Response:
        spec = session.settings.scenario
        actors = [{"name": name, "role": actor.role} for name, actor in spec.actors.items()]
        return answer({"scenario": spec.name, "actors": actors, "mode": session.settings.mode})

    async def join(request: Request) -> Response:
        given = await read_body(request, JoinRequest)
        team = session.join(given.code, given.team, given.actor, given.pin)
        return answer({"token": team.token, "team": team.name, "actor": team.actor})

    async def view(request: Request) -> Response:
        team = session.team(request.headers.get("x-team-token", ""))
        return answer(session.view(team))

    async def act(request: Request) -> Response:
        team = session.team(request.headers.get("x-team-token", ""))
        given = await read_body(request, ActRequest)
        session.act(team.token, given.seq, given.day, given.action)
        waited = 0.0
        while team.status == "playing" and waited < ANSWER_WAIT_S and not session.stopping:
            await asyncio.sleep(ANSWER_POLL_S)  # the world's thread moves on meanwhile
            waited += ANSWER_POLL_S
        return answer(session.view(team))

    async def board(request: Request) -> Response:
        teacher(request)
        return answer(session.board())

    async def control(request: Request) -> Response:
        teacher(request)
        given = await read_body(request, TeacherRequest)
        if given.command == "start":
            session.start()
        elif given.command == "advance":
            session.advance(given.days)
        elif given.command == "pace":
            session.set_pace(given.pace)
        else:
            session.set_timer(given.seconds)
        return answer(session.board())

    async def class_debrief(request: Request) -> Response:
        teacher(request)
        data = await asyncio.to_thread(session.class_debrief)
        return answer(data)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        try:
            yield
        finally:
            session.close()

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204, headers=SECURITY_HEADERS)

    routes = [
        Route("/", page("student.html")),
        Route("/favicon.ico", no_icon),
        Route("/teacher", page("teacher.html")),
        Route("/style.css", page("style.css")),
        Route("/student.js", page("student.js")),
        Route("/teacher.js", page("teacher.js")),
        Route("/api/scenario", guarded(scenario)),
        Route("/api/join", guarded(join), methods=["POST"]),
        Route("/api/view", guarded(view)),
        Route("/api/act", guarded(act), methods=["POST"]),
        Route("/api/board", guarded(board)),
        Route("/api/teacher", guarded(control), methods=["POST"]),
        Route("/api/debrief", guarded(class_debrief)),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def serve(session: ClassSession, listener: socket.socket) -> None:
    """Serve the class on ``listener`` (bound and listening) until Ctrl-C or SIGTERM.

    The worlds' threads are stopped on the way out.
    """
    import uvicorn

    config = uvicorn.Config(make_app(session), log_level="warning", access_log=False)
    try:
        uvicorn.Server(config).run(sockets=[listener])
    finally:
        listener.close()
        session.close()

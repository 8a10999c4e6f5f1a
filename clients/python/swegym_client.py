"""Client for the swegym Gym API (``swegym serve``). Standard library only: copy this file next to your trainer.

    from swegym_client import SweGymClient

    with SweGymClient("http://127.0.0.1:8765") as gym:
        obs, info = gym.reset("swegym-samples__durations-12")
        obs, reward, terminated, truncated, info = gym.step(
            {"name": "execute_bash", "arguments": {"command": "ls"}})
        ...
        obs, reward, terminated, truncated, info = gym.step({"name": "finish", "arguments": {}})

One client drives one environment at a time (``env_id``); use several clients for parallel episodes.
The protocol is described at ``GET /v1/openapi.json`` and in docs/gym-protocol.md.
"""

import json
import urllib.error
import urllib.request

__all__ = ["SweGymClient", "SweGymError"]


class SweGymError(Exception):
    """A 4xx/5xx answer: ``status`` (HTTP), ``code`` (e.g. malformed_action) and the server's message."""

    def __init__(self, status, code, message):
        super().__init__("%s %s: %s" % (status, code, message))
        self.status = status
        self.code = code
        self.message = message


class SweGymClient:
    def __init__(self, base_url, token=None, timeout=3600.0):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.env_id = None
        self.info = None

    # -- Gym interface ----------------------------------------------------------------------------------------

    def reset(self, instance_id, seed=None, **options):
        """Start an episode on ``instance_id``. Returns (observation, info). ``options``: max_steps,
        time_limit_sec, reward ('binary' | 'f2p_fraction'). A second reset reuses the environment slot."""
        body = {"instance_id": instance_id}
        if seed is not None:
            body["seed"] = seed
        body.update({k: v for k, v in options.items() if v is not None})
        if self.env_id is None:
            out = self._request("POST", "/v1/envs", body)
        else:
            out = self._request("POST", "/v1/envs/%s/reset" % self.env_id, body)
        self.env_id = out["env_id"]
        self.info = out["info"]
        return out["observation"], out["info"]

    def step(self, action):
        """One tool call: {"name": ..., "arguments": {...}} or a '<function=...>' text call.
        Returns (observation, reward, terminated, truncated, info)."""
        out = self._request("POST", "/v1/envs/%s/step" % self._env(), {"action": action})
        return out["observation"], out["reward"], out["terminated"], out["truncated"], out["info"]

    def step_stream(self, action, on_output=None):
        """The same step, with output chunks of a long command passed to ``on_output(chunk)`` as they arrive."""
        resp = self._open("POST", "/v1/envs/%s/step/stream" % self._env(), {"action": action})
        result = None
        with resp:
            for raw in resp:
                line = json.loads(raw.decode("utf-8"))
                if line["type"] == "output":
                    if on_output:
                        on_output(line["chunk"])
                elif line["type"] == "result":
                    result = line["result"]
                elif line["type"] == "error":
                    raise SweGymError(500, line["error"]["code"], line["error"]["message"])
        if result is None:
            raise SweGymError(500, "internal", "stream ended without a result")
        return result["observation"], result["reward"], result["terminated"], result["truncated"], result["info"]

    def close(self):
        """Remove the environment (and its container). Safe to call twice."""
        if self.env_id is None:
            return
        env_id, self.env_id = self.env_id, None
        try:
            self._request("DELETE", "/v1/envs/%s" % env_id)
        except SweGymError as e:
            if e.status != 404:
                raise

    def health(self):
        return self._request("GET", "/v1/health")

    def prefetch(self, instance_ids):
        """Hint: these instances come next; the server warms environments for them."""
        return self._request("POST", "/v1/pool/prefetch", {"instance_ids": list(instance_ids)})

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # -- HTTP ---------------------------------------------------------------------------------------------------

    def _env(self):
        if self.env_id is None:
            raise SweGymError(409, "not_reset", "call reset() first")
        return self.env_id

    def _open(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        try:
            return urllib.request.urlopen(req, timeout=self.timeout)
        except urllib.error.HTTPError as e:
            text = e.read().decode("utf-8", "replace")
            try:
                err = json.loads(text)["error"]
                raise SweGymError(e.code, err.get("code", "error"), err.get("message", text)) from None
            except (ValueError, KeyError, TypeError):
                raise SweGymError(e.code, "error", text) from None

    def _request(self, method, path, body=None):
        with self._open(method, path, body) as resp:
            return json.loads(resp.read().decode("utf-8"))

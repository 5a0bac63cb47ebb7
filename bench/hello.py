"""A hello-world FastAPI endpoint under uvicorn, served as `cobuild serve` serves the app (one
process, uvloop and httptools when installed, no access log): the floor bench/capacity.py compares
the item read with. `python -m bench.hello PORT`."""

import sys

import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
def hello() -> dict:
    return {"hello": "world"}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)

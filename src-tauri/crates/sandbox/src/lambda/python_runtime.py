"""The sandbox's runtime-interface loop for python3.x functions.

It speaks the Lambda Runtime API exactly as AWS's Python runtime does: imports the handler named
by _HANDLER ("module.function") from LAMBDA_TASK_ROOT, then forever asks /next for an event,
calls the handler with the event and a context object, and posts the result or the error.
"""

import importlib
import json
import logging
import os
import sys
import time
import traceback
import urllib.request

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"


def post(path, payload, error_type=None):
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    request = urllib.request.Request(API + path, data=data, method="POST")
    if error_type:
        request.add_header("Lambda-Runtime-Function-Error-Type", error_type)
    with urllib.request.urlopen(request) as response:
        response.read()


def error_object(error, request_id=None):
    body = {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "stackTrace": traceback.format_tb(error.__traceback__),
    }
    if request_id:
        body["requestId"] = request_id
    return body


class LambdaContext:
    def __init__(self, request_id, deadline_ms, function_arn):
        self.aws_request_id = request_id
        self.invoked_function_arn = function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))


class RequestIdFilter(logging.Filter):
    """Stamps each record with the current request id, as AWS's runtime does."""

    request_id = ""

    def filter(self, record):
        record.aws_request_id = RequestIdFilter.request_id
        return True


def configure_logging():
    # Like AWS's runtime: the root logger writes to stdout as
    # "[LEVEL]\t<UTC time>Z\t<request id>\t<message>", at WARNING unless the function lowers it.
    handler = logging.StreamHandler(sys.stdout)
    handler.terminator = ""  # the format ends the line itself
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    handler.formatter.converter = time.gmtime
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


def load_handler():
    spec = os.environ["_HANDLER"]
    module_name, _, function_name = spec.rpartition(".")
    sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except Exception as error:
        body = {
            "errorMessage": f"Unable to import module '{module_name}': {error}",
            "errorType": "Runtime.ImportModuleError",
            "stackTrace": [],
        }
        print(f"[ERROR] Runtime.ImportModuleError: {body['errorMessage']}", flush=True)
        post("/init/error", body, "Runtime.ImportModuleError")
        sys.exit(1)
    handler = getattr(module, function_name, None)
    if handler is None:
        body = {
            "errorMessage": f"Handler '{function_name}' missing on module '{module_name}'",
            "errorType": "Runtime.HandlerNotFound",
            "stackTrace": [],
        }
        print(f"[ERROR] Runtime.HandlerNotFound: {body['errorMessage']}", flush=True)
        post("/init/error", body, "Runtime.HandlerNotFound")
        sys.exit(1)
    return handler


def main():
    configure_logging()
    handler = load_handler()
    while True:
        with urllib.request.urlopen(API + "/invocation/next") as response:
            request_id = response.headers["Lambda-Runtime-Aws-Request-Id"]
            deadline_ms = int(response.headers["Lambda-Runtime-Deadline-Ms"])
            function_arn = response.headers.get("Lambda-Runtime-Invoked-Function-Arn")
            raw = response.read()
        context = LambdaContext(request_id, deadline_ms, function_arn)
        RequestIdFilter.request_id = request_id
        try:
            event = json.loads(raw) if raw else None
            result = handler(event, context)
            body = json.dumps(result).encode()
        except Exception as error:
            body = error_object(error, request_id)
            lines = traceback.format_exception(type(error), error, error.__traceback__)
            print(f"[ERROR] {type(error).__name__}: {error}\n" + "".join(lines), end="", flush=True)
            post(f"/invocation/{request_id}/error", body, "Unhandled")
            continue
        post(f"/invocation/{request_id}/response", body)


if __name__ == "__main__":
    main()

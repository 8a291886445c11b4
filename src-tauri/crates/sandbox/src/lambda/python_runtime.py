"""The sandbox's runtime-interface loop for python3.x functions.

It speaks the Lambda Runtime API exactly as AWS's Python runtime does: imports the handler named
by _HANDLER ("module.function") from LAMBDA_TASK_ROOT, then forever asks /next for an event,
calls the handler with the event and a context object, and posts the result or the error. The
result is encoded as AWS's runtime encodes it (a Decimal as the number it holds; on python3.12
and later non-ASCII text as it is), and errors are shaped and logged as AWS's are, with the
handler's frames only.
"""

import decimal
import importlib
import json
import logging
import math
import os
import re
import sys
import time
import traceback
import urllib.request
import uuid

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"

# AWS's runtime writes an error's lines as one log event: joined by carriage returns, the
# traceback's indentation in no-break spaces.
ERROR_LINE_SEPARATOR = "\r"
ERROR_INDENT = "\u00a0"

# From python3.12 on, AWS's runtime leaves non-ASCII characters unescaped.
KEEPS_UNICODE = os.environ.get("AWS_EXECUTION_ENV") in {
    "AWS_Lambda_python3.12",
    "AWS_Lambda_python3.13",
    "AWS_Lambda_python3.14",
    "AWS_Lambda_python3.15",
}


class RuntimeFault(Exception):
    """A failure of the runtime itself, reported with one of AWS's Runtime.* error types."""

    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def to_json(value):
    """Encodes `value` as AWS's runtime does. The standard encoder cannot write a Decimal's
    digits as they are, so each Decimal goes in as a unique placeholder that is then replaced."""
    marker = "__lab_decimal_" + uuid.uuid4().hex + "_"
    numbers = []

    def default(obj):
        if isinstance(obj, decimal.Decimal):
            if obj.is_nan():
                return math.nan
            numbers.append(str(obj))
            return marker + str(len(numbers) - 1)
        raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")

    text = json.dumps(value, default=default, ensure_ascii=not KEEPS_UNICODE, allow_nan=True)
    if not numbers:
        return text
    # One pass over the text, however many Decimals a scan's items hold.
    placeholder = re.compile('"' + marker + r'(\d+)"')
    return placeholder.sub(lambda found: numbers[int(found.group(1))], text)


def post(path, payload, error_type=None):
    data = payload if isinstance(payload, bytes) else to_json(payload).encode()
    request = urllib.request.Request(API + path, data=data, method="POST")
    if error_type:
        request.add_header("Lambda-Runtime-Function-Error-Type", error_type)
    with urllib.request.urlopen(request) as response:
        response.read()


def handler_frames(error):
    """The traceback from the first frame outside this runtime: the function's own."""
    frames = traceback.extract_tb(error.__traceback__)
    for index, frame in enumerate(frames):
        if frame.filename != __file__:
            return frames[index:]
    return frames


def error_object(error_message, error_type, stack_trace, request_id):
    return {
        "errorMessage": error_message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": stack_trace,
    }


def log_error(body):
    lines = [f"[ERROR] {body['errorType']}: {body['errorMessage']}"]
    lines.append("Traceback (most recent call last):")
    for element in body["stackTrace"]:
        for line in element.splitlines():
            stripped = line.lstrip(" ")
            lines.append(ERROR_INDENT * (len(line) - len(stripped)) + stripped)
    sys.stdout.write(ERROR_LINE_SEPARATOR.join(lines) + "\n")
    sys.stdout.flush()


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
        log_error({**body, "stackTrace": []})
        post("/init/error", body, "Runtime.ImportModuleError")
        sys.exit(1)
    handler = getattr(module, function_name, None)
    if handler is None:
        body = {
            "errorMessage": f"Handler '{function_name}' missing on module '{module_name}'",
            "errorType": "Runtime.HandlerNotFound",
            "stackTrace": [],
        }
        log_error({**body, "stackTrace": []})
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
            try:
                event = json.loads(raw) if raw else None
            except ValueError as error:
                raise RuntimeFault("Runtime.UnmarshalError", f"Unable to unmarshal input: {error}")
            result = handler(event, context)
            if isinstance(result, bytes):
                body = result
            else:
                try:
                    body = to_json(result).encode()
                except Exception as error:
                    raise RuntimeFault("Runtime.MarshalError", f"Unable to marshal response: {error}")
        except RuntimeFault as fault:
            error = error_object(fault.message, fault.error_type, [], request_id)
        except Exception as failure:
            stack = traceback.format_list(handler_frames(failure))
            error = error_object(str(failure), type(failure).__name__, stack, request_id)
        else:
            post(f"/invocation/{request_id}/response", body)
            continue
        log_error(error)
        post(f"/invocation/{request_id}/error", error, "Unhandled")


if __name__ == "__main__":
    main()

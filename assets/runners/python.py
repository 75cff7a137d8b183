# linkscreen's Lambda runner for Python: loads the skill's handler once and invokes it for
# every request linkscreen sends, the way AWS Lambda reuses a warm container.
# Protocol: one JSON request per stdin line {"id", "event", "timeoutMs"}; answers are stdout
# lines starting with the marker below. Anything else the handler prints is its log.
import importlib.util
import json
import os
import sys
import time
import traceback

MARK = "\x1eLINKSCREEN "
file, export_name = sys.argv[1], sys.argv[2]
function_name = sys.argv[3] if len(sys.argv) > 3 else "linkscreen-local"
out = sys.stdout


def send(msg):
    out.write(MARK + json.dumps(msg) + "\n")
    out.flush()


class Context:
    def __init__(self, request_id, deadline):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:" + function_name
        self.memory_limit_in_mb = 128
        self.aws_request_id = str(request_id)
        self.log_group_name = "/aws/lambda/" + function_name
        self.log_stream_name = "linkscreen"
        self._deadline = deadline

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.time()) * 1000))


try:
    here = os.path.dirname(os.path.abspath(file))
    sys.path.insert(0, here)
    name = os.path.splitext(os.path.basename(file))[0]
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    handler = getattr(module, export_name, None)
except BaseException:
    send({"type": "load_error", "error": traceback.format_exc()})
    sys.exit(3)
if not callable(handler):
    send({"type": "load_error", "error": "%s has %s as %s, not a function" % (os.path.basename(file), export_name, type(handler).__name__)})
    sys.exit(3)
send({"type": "ready"})

for line in sys.stdin:
    try:
        req = json.loads(line)
    except ValueError:
        continue
    rid = req.get("id")
    deadline = time.time() + req.get("timeoutMs", 8000) / 1000.0
    try:
        result = handler(req.get("event"), Context(rid, deadline))
        try:
            line = json.dumps({"id": rid, "result": result})
        except (TypeError, ValueError) as e:
            send({"id": rid, "error": "the handler returned something that is not JSON: %s" % e})
            continue
        out.write(MARK + line + "\n")
        out.flush()
    except BaseException:
        send({"id": rid, "error": traceback.format_exc()})

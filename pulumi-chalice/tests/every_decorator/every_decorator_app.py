"""A Chalice app that uses every decorator Chalice offers, for the ChaliceApp parity tests.

Its handlers do nothing: what matters is the graph Chalice builds from it.
"""

from chalice.app import AuthResponse, Blueprint, Chalice, CORSConfig, Rate

from chalicelib.names import BUCKET, OTHER_BUCKET

app = Chalice(app_name="every-decorator")
app.experimental_feature_flags.update(["WEBSOCKETS"])
app.api.binary_types.append("application/octet-stream")
extra = Blueprint(__name__)


@app.authorizer()
def token_check(auth_request):
    return AuthResponse(routes=["/private"], principal_id="user")


@app.route("/", methods=["GET"])
def index():
    return {"hello": "world"}


@app.route(
    "/private",
    methods=["GET", "POST"],
    authorizer=token_check,
    cors=CORSConfig(allow_origin="https://example.com"),
)
def private():
    return {}


@extra.route("/from-blueprint")
def from_blueprint():
    return {}


@app.lambda_function(name="plain")
def plain(event, context):
    return {}


@app.schedule(Rate(5, unit=Rate.MINUTES), description="every five minutes")
def every_five_minutes(event):
    pass


@app.schedule("cron(0 12 * * ? *)")
def at_noon(event):
    pass


@app.on_cw_event({"source": ["aws.codecommit"]})
def on_commit(event):
    pass


@app.on_s3_event(bucket=BUCKET, events=["s3:ObjectCreated:*"], prefix="in/", suffix=".csv")
def on_upload(event):
    pass


@app.on_s3_event(bucket=BUCKET, events=["s3:ObjectRemoved:*"])
def on_removal(event):
    pass


@app.on_s3_event(bucket=OTHER_BUCKET)
def on_other_bucket(event):
    pass


@app.on_sns_message(topic="alerts")
def on_alert(event):
    pass


@app.on_sns_message(topic="arn:aws:sns:eu-west-1:123456789012:audit")
def on_audit(event):
    pass


@app.on_sqs_message(queue="jobs", batch_size=5, maximum_batching_window_in_seconds=2)
def on_job(event):
    pass


@app.on_sqs_message(queue_arn="arn:aws:sqs:eu-west-1:123456789012:priority", maximum_concurrency=3)
def on_priority_job(event):
    pass


@app.on_kinesis_record(stream="clicks", starting_position="TRIM_HORIZON")
def on_click(event):
    pass


@app.on_dynamodb_record(
    stream_arn="arn:aws:dynamodb:eu-west-1:123456789012:table/t/stream/2026-01-01T00:00:00.000"
)
def on_change(event):
    pass


@app.on_ws_connect()
def ws_connect(event):
    pass


@app.on_ws_message()
def ws_message(event):
    pass


@app.on_ws_disconnect()
def ws_disconnect(event):
    pass


app.register_blueprint(extra)

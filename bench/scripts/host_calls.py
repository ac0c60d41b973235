"""How long the calls a product plugged into Sessionboard makes take, one after another from
one client over loopback: an unchanged directory PUT, a trusted sign-in, validation (five per
session, the cache's hot path), a sign-in link. Medians and 99th percentiles.

    python3 bench/scripts/host_calls.py URL KEY N

URL is a running server (with sign-in limits raised, e.g. SESSIONBOARD_SIGN_IN_LIMIT_PER_IP,
_PER_EMAIL and _PER_API_KEY at 100000: the budgets are real and N sign-ins would exhaust them);
KEY one of its keys that is trusted and a directory key; N the sign-ins to make. It syncs an
account "bench" and twenty people b0..b19 first. Needs only Python's standard library."""
import json, statistics, sys, time, urllib.request

base, key, n = sys.argv[1], sys.argv[2], int(sys.argv[3])

def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + "/api/v1" + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"X-Api-Key": key, "Content-Type": "application/json",
                 **({"Authorization": "Bearer " + token} if token else {})})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(req) as r:
            status, text = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    return status, (json.loads(text) if text else None), (time.perf_counter() - start) * 1000

def report(name, times):
    times.sort()
    print(f"{name:28} n={len(times):5}  median {statistics.median(times):6.2f} ms  p99 {times[int(len(times)*0.99)-1]:6.2f} ms")

call("PUT", "/directory/accounts/bench", {"name": "Bench Shop"})
for i in range(20):
    call("PUT", f"/directory/people/b{i}", {"name": f"Bench {i}", "email": f"b{i}@bench.example"})
    call("PUT", f"/directory/accounts/bench/members/b{i}", {"role": "employee"})
puts, signins, validations, links = [], [], [], []
for i in range(n):
    s, _, t = call("PUT", f"/directory/people/b{i % 20}", {"name": f"Bench {i % 20}", "email": f"b{i % 20}@bench.example"})
    assert s == 200, s
    puts.append(t)
    s, body, t = call("POST", "/sessions", {"external_id": f"b{i % 20}", "account_external_id": "bench",
        "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X)", "ip": f"81.2.69.{i % 250}"})
    assert s == 201, (s, body)
    signins.append(t)
    token = body["token"]
    for _ in range(5):
        s, _, t = call("GET", "/session", token=token)
        assert s == 200
        validations.append(t)
    s, _, t = call("POST", "/sign-in-links", {"external_id": f"b{i % 20}", "account_external_id": "bench"})
    assert s == 201
    links.append(t)
report("PUT person (unchanged)", puts)
report("trusted sign-in", signins)
report("validate (GET /session)", validations)
report("sign-in link", links)

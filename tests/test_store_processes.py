"""The running server and several `refundproof` processes on one data folder at once, as a
seller uses them: cases, photos, verifications, reports, settings and token changes
interleaved. No error, nothing lost, `refundproof check` clean afterwards."""

from __future__ import annotations

import threading

import httpx

from server.demo import samples
from server.settings import Config

from .server_proc import ServerProcess, run_cli


def test_server_and_cli_processes_share_one_data_folder(home, tmp_path):
    server = ServerProcess(home).start()
    errors: list[str] = []
    api_cases: list[str] = []
    files = []
    for n in range(6):
        path = tmp_path / f"cli{n}.jpg"
        path.write_bytes(samples.jpeg(samples.photo(120, 90, seed=100 + n)))
        files.append(path)

    def browser_like() -> None:
        headers = {"Authorization": f"Bearer {Config.load(home).token}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=120) as api:
            for n in range(5):
                r = api.post("/api/cases", json={"platform": "拼多多", "refund_id": f"API-{n}"})
                if r.status_code != 201:
                    errors.append(f"create {r.status_code} {r.text[:200]}")
                    continue
                case_id = r.json()["id"]
                api_cases.append(case_id)
                for seed in (n, n + 50):
                    data = samples.jpeg(samples.photo(120, 90, seed=seed))
                    r = api.post(f"/api/cases/{case_id}/photos", files={"file": ("p.jpg", data)})
                    if r.status_code not in (200, 201):
                        errors.append(f"photo {r.status_code} {r.text[:200]}")
                r = api.post(f"/api/cases/{case_id}/verify")
                if r.status_code != 200:
                    errors.append(f"verify {r.status_code} {r.text[:200]}")

    def terminal(n: int) -> None:
        r = run_cli(
            home,
            "verify",
            str(files[n]),
            str(files[n + 3]),
            "--platform",
            "京东",
            "--refund",
            f"CLI-{n}",
        )
        if r.returncode != 0:
            errors.append(f"cli verify {n}: {r.stderr[-500:]}")
        r = run_cli(home, "settings", "--operator", f"店员{n}")
        if r.returncode != 0:
            errors.append(f"cli settings {n}: {r.stderr[-500:]}")

    threads = [threading.Thread(target=browser_like)]
    threads += [threading.Thread(target=terminal, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    try:
        assert errors == []
        token = Config.load(home).token
        headers = {"Authorization": f"Bearer {token}"}
        listed = httpx.get(f"{server.url}/api/cases?limit=500", headers=headers).json()
        assert listed["total"] == 8  # 5 from the browser, 3 from the terminal, none lost
        assert set(api_cases) <= {c["id"] for c in listed["cases"]}
        assert all(c["photos"] == 2 for c in listed["cases"])
        assert all(c["level"] is not None for c in listed["cases"])  # every one verified
        # a report made in the terminal while the server runs, then listed by the server
        report = run_cli(home, "report", "--case", api_cases[0], "--variant", "appeal")
        assert report.returncode == 0, report.stderr[-800:]
        reports = httpx.get(f"{server.url}/api/cases/{api_cases[0]}/reports", headers=headers)
        assert len(reports.json()["reports"]) == 1
        # the last operator written wins, none is lost to a stale copy in the server
        assert Config.load(home).operator in {"店员0", "店员1", "店员2"}
        # `token --new` in the terminal: the old token is refused at once, the new one works
        new = run_cli(home, "token", "--new").stdout.strip()
        assert new != token
        assert httpx.get(f"{server.url}/api/cases", headers=headers).status_code == 401
        fresh = {"Authorization": f"Bearer {new}"}
        assert httpx.get(f"{server.url}/api/cases", headers=fresh).status_code == 200
        # the same refund from the terminal lands in the browser's case
        again = run_cli(
            home, "verify", str(files[0]), "--platform", "拼多多", "--refund", "API-0", "--json"
        )
        assert again.returncode == 0, again.stderr[-800:]
        assert api_cases[0] in again.stdout
    finally:
        server.stop()
    check = run_cli(home, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "数据完好" in check.stdout

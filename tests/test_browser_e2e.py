"""End to end in a real browser: Debian's Chromium, driven by Playwright, on a live server.

Enrols the shared CASIA-B suspects (001 with several takes, 002, 003, 004, 006 with one each)
and the side-view clips of 16 people of the shared keypoint data set, trains a side-view
model, identifies held-out clips of 001 (normal, with a bag, in a coat) and the second walk,
picked in the gallery, of a recording of two people, and checks the verdicts and that the
overlay video plays; downloads the signed case report of an identification and verifies it.
Screenshots of every page go to ``artifacts/browser/`` (look at them); the first render time
and page-switch times are printed and written to ``artifacts/browser/timings.json``.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import PROJECT_ROOT, joined_recording, keypoint_subset

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(1800)]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "artifacts" / "browser"
ENROL_TAKES = {"001": ["001-nm-01", "001-nm-02", "001-nm-03", "001-nm-04", "001-nm-05"],
               "002": ["002-nm-01"], "003": ["003-nm-01"], "004": ["004-nm-01"],
               "006": ["006-nm-01"]}
HELD_OUT = ["001-nm-06", "001-bg-01", "001-cl-01"]
# People of the shared keypoint set enrolled beside the CASIA-B suspects (side view only, the
# view trained): enough for the likelihood-ratio calibration to support naming at LR 100.
SHARED_PEOPLE = 16
# Towers and epochs set on the Training page.
TRAINING_INPUTS = {"Whole-body towers": 2, "Clothing-robust towers": 2, "Most epochs": 100}
LONG_MS = 600_000
IMPORTS = "imports"  # the import root, inside the server's data folder
PASSWORD = "e2e password, long enough"
ACCOUNTS = {"ada": ("Ada Admin", "administrator"), "ivan": ("Ivan Investigator", "investigator"),
            "iris": ("Iris Investigator", "investigator")}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, float, Path]]:
    """A dashboard server on a free local port over an empty store; (url, seconds from the
    process's start to its health check answering, data folder)."""
    data_dir = tmp_path_factory.mktemp("store")
    port = _free_port()
    env = {**os.environ, "GAIT_DATA_DIR": str(data_dir),
           "GAIT_CACHE_DIR": str(data_dir / "keypoint-cache"),
           "GAIT_IMPORT_ROOT": str(data_dir / IMPORTS)}
    log = (data_dir / "server.log").open("w")
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"the server did not start; log: {data_dir / 'server.log'}")
        yield url, time.monotonic() - started, data_dir
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_enrol_train_identify_in_the_browser(server: tuple[str, float, Path], shared_data: Path,
                                             tmp_path: Path) -> None:
    """The whole workflow through the user interface, with the verdicts asserted."""
    from playwright.sync_api import Page, expect, sync_playwright
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from gait.case.store import CaseStore

    if not CHROMIUM.is_file():
        pytest.fail("Debian's chromium is missing: `./run test` installs it (apt-get)")
    url, server_start_s, data_dir = server
    casia = shared_data / "videos" / "casia-b"
    corridor = tmp_path / "corridor.mp4"
    joined_recording(casia, ("002-nm-01", "001-nm-06"), corridor)
    people = keypoint_subset(shared_data / "keypoints" / "enrol", SHARED_PEOPLE, "side",
                             data_dir / IMPORTS / "shared-people")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless=new", "--no-sandbox", "--disable-gpu",
                  "--disable-dev-shm-usage", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        # Assertions wait as long as actions: a log-in (a deliberately slow password hash)
        # can take more than the default 5 s on a busy 2-core machine.
        expect.set_options(timeout=60_000)

        def shot(name: str) -> None:
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

        def idle() -> None:
            """Wait until the app's script has finished its rerun."""
            page.wait_for_timeout(300)
            page.wait_for_function(
                "() => document.querySelector('[data-testid=\"stApp\"]')"
                "?.getAttribute('data-test-script-state') === 'notRunning'", timeout=LONG_MS)

        def go(title: str) -> float:
            begin = time.monotonic()
            page.locator('[data-testid="stSidebarNavLink"]').filter(
                has_text=re.compile(rf"{title}$")).click()
            heading = "gait-ID" if title == "Case" else title
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
            shown_s = time.monotonic() - begin
            idle()
            return shown_s

        def choose(label: str, option: str, attempts: int = 3) -> None:
            """Pick an option; again if a rerun closed the list before the click."""
            box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
            idle()
            for attempt in range(attempts):
                if box.get_by_role("combobox").input_value() == option:
                    break
                box.click()
                try:
                    page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
                except PlaywrightTimeout:
                    if attempt == attempts - 1:
                        raise
                    page.keyboard.press("Escape")
                    idle()
            expect(box.get_by_role("combobox")).to_have_value(option)
            page.wait_for_timeout(500)  # the rerun the choice starts
            idle()

        def upload(label: str, paths: list[Path], attempts: int = 3) -> None:
            """Give files to an uploader; again if a rerun that was under way dropped them."""
            uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text=label)
            for attempt in range(attempts):
                uploader.locator('input[type="file"]').set_input_files([str(p) for p in paths])
                try:
                    for path in paths:
                        expect(uploader.get_by_text(path.name)).to_be_visible()
                    break
                except AssertionError:
                    if attempt == attempts - 1:
                        raise
                    idle()
            page.wait_for_timeout(1000)  # the upload's own rerun starts after the transfer
            idle()

        def log_in(on: Page, user_name: str, path: str = "") -> None:
            """Open an address (a new Streamlit session, so signed out) and log in. Signed out,
            only the log-in page exists: another page's address shows Streamlit's "page not
            found" dialog over it, closed here."""
            on.goto(f"{url}/{path}")
            expect(on.get_by_role("heading", name="gait-ID: log in")).to_be_visible()
            if path and not path.startswith("?"):
                expect(on.get_by_role("dialog")).to_be_visible()
                on.keyboard.press("Escape")
                expect(on.get_by_role("dialog")).to_have_count(0)
            on.get_by_label("User name", exact=True).fill(user_name)
            on.get_by_label("Password", exact=True).fill(PASSWORD)
            on.get_by_role("button", name="Log in").click()
            expect(on.get_by_text(f"Signed in as {ACCOUNTS[user_name][0]}")).to_be_visible()

        try:
            # A fresh store: the first administrator, who creates the investigators' accounts.
            # First render: the server's start, then the page's load in a browser already
            # open (the test's own preparation and Chromium's launch are not the app's).
            begin = time.monotonic()
            page.goto(url)
            expect(page.get_by_role("heading", name="gait-ID: create the first administrator")
                   ).to_be_visible()
            timings["server_start_s"] = server_start_s
            timings["first_render_s"] = server_start_s + time.monotonic() - begin
            page.get_by_label("User name", exact=True).fill("ada")
            page.get_by_label("Full name").fill(ACCOUNTS["ada"][0])
            page.get_by_label("Password (at least 12 characters)").fill(PASSWORD)
            page.get_by_label("The same password again").fill(PASSWORD)
            page.get_by_role("button", name="Create the administrator").click()
            expect(page.get_by_text("Signed in as Ada Admin")).to_be_visible()
            shot("0_first_administrator")
            go("Accounts")
            for name in ("ivan", "iris"):
                page.get_by_label("User name (the e-mail address for single sign-on)").fill(name)
                page.get_by_label("Full name").fill(ACCOUNTS[name][0])
                page.get_by_label(re.compile("^First password")).fill(PASSWORD)
                page.get_by_role("button", name="Create the account").click()
                idle()
                assert CaseStore(data_dir).user_by_name(name) is not None, name
            shot("0_accounts")
            page.get_by_role("button", name="Log out").click()
            log_in(page, "ivan")

            # Case page: a new case.
            expect(page.get_by_role("heading", name="gait-ID", exact=True)).to_be_visible()
            page.get_by_label("Case name").fill("E2E Harbour Street")
            page.get_by_role("button", name="Create case").click()
            expect(page.get_by_role("heading", name="E2E Harbour Street")).to_be_visible()
            shot("1_case_new")

            # Enrolment: suspects, their CASIA-B clips, and the shared keypoint data set.
            phase = time.monotonic()
            go("Enrolment")
            for name in ENROL_TAKES:
                page.get_by_label("Name or reference").fill(name)
                page.get_by_role("button", name="Add suspect").click()
                expect(page.get_by_text(name, exact=True).first).to_be_visible()
            page.get_by_role("tab", name="Upload clips").click()
            for name, takes in ENROL_TAKES.items():
                choose("Suspect", name)
                upload("Walking clips", [casia / f"{take}-090.avi" for take in takes])
                page.get_by_role("button", name="Extract keypoints and enrol").click()
                idle()
                for take in takes:
                    expect(page.get_by_text(f"{take}-090.avi: stored as clip")).to_be_visible()
            shot("2_enrolment_upload")
            timings["phase_enrol_videos_s"] = time.monotonic() - phase
            phase = time.monotonic()
            page.get_by_role("tab", name="Import keypoints").click()
            page.get_by_label("Folder on the server").fill(people.name)  # in the root
            page.get_by_label("Folder on the server").press("Enter")
            idle()
            page.get_by_role("button", name="Import keypoints").click()
            expect(page.get_by_text(re.compile(r"^Imported \d+ clips"))).to_be_visible(
                timeout=LONG_MS)
            timings["phase_import_keypoints_s"] = time.monotonic() - phase
            page.get_by_role("tab", name="Enrolled clips").click()
            shot("3_enrolment_clips")

            # Training: the side view.
            go("Training")
            phase = time.monotonic()
            # The 6-fold evaluation (six more trainings) is left to the page tests, and a
            # smaller ensemble than the default is trained: the interface, not the network's
            # accuracy, is tested here (the README's results measure the defaults).
            page.get_by_text("Also measure it with a 6-fold evaluation").click()
            idle()
            page.get_by_text("Network (for research)").click()
            for label, value in TRAINING_INPUTS.items():
                page.get_by_label(label, exact=True).fill(str(value))
                page.get_by_label(label, exact=True).press("Enter")
                idle()
            page.get_by_role("button", name="Train and evaluate").click()
            expect(page.get_by_text("saved (side view)")).to_be_visible(timeout=LONG_MS)
            timings["phase_training_s"] = time.monotonic() - phase
            shot("4_training")

            # Prediction: held-out clips of 001.
            go("Prediction")
            verdicts, top_suspects = {}, {}
            for take in HELD_OUT:
                phase = time.monotonic()
                upload("Evidence clip", [casia / f"{take}-090.avi"])
                page.get_by_role("button", name="Store and identify").click()
                idle()
                # The identification may still run when the rerun's state first reads idle.
                expect(page.get_by_role("heading", name=re.compile(
                    rf"Evidence clip #\d+: {take}-090.avi"))).to_be_visible(timeout=LONG_MS)
                idle()
                verdict = page.locator(
                    '[data-testid="stAlert"] [data-testid="stMarkdownContainer"]').filter(
                    has_text=re.compile(
                    r"^(Match: |None of these suspects|Insufficient gait)"))
                verdicts[take] = verdict.first.inner_text().strip()
                top_suspects[take] = page.locator('[data-testid="stMetric"]').filter(
                    has_text=re.compile("(Named|Top-ranked) suspect")).locator(
                    '[data-testid="stMetricValue"]').inner_text().strip()
                shot(f"5_prediction_{take}")
                timings[f"phase_identify_{take}_s"] = time.monotonic() - phase
            phase = time.monotonic()
            # The signed case report of the last identification, downloaded and verified.
            page.get_by_role("button", name="Make the signed case report").click()
            expect(page.get_by_text(re.compile(r"^intact: signed by installation"))
                   ).to_be_visible(timeout=LONG_MS)
            for label, name in (("Download the report (PDF)", "report.pdf"),
                                ("Download its signature", "report.pdf.sig")):
                with page.expect_download() as download:
                    page.get_by_role("button", name=label).click()
                download.value.save_as(tmp_path / name)
            shot("5_prediction_report")
            timings["phase_report_s"] = time.monotonic() - phase
            phase = time.monotonic()
            # A recording of two people walking one after the other: pick the second walk.
            upload("Evidence clip", [corridor])
            page.get_by_role("button", name="Store and identify").click()
            idle()
            walks = page.locator('[data-testid="stRadio"]').filter(has_text="Walk")
            options = walks.locator('[data-testid="stRadioGroup"] label')
            expect(options).to_have_count(2, timeout=LONG_MS)
            idle()
            second = options.nth(1)
            second_label = second.inner_text().strip()
            second.click()
            idle()
            shot("5_prediction_walk_picker")
            page.get_by_role("button", name="Analyse this walk and identify").click()
            idle()
            person = re.match(r"person (\d+)", second_label)
            assert person, second_label
            expect(page.get_by_role("heading", name=re.compile(
                rf"Evidence clip #\d+: corridor.mp4 \(person {person.group(1)}, "))).to_be_visible(
                timeout=LONG_MS)
            shot("5_prediction_corridor")
            timings["phase_two_walkers_s"] = time.monotonic() - phase
            video = page.locator("video").first
            video.scroll_into_view_if_needed()
            duration_s = page.evaluate(
                """async v => {
                    if (v.readyState < 1) {
                        const loaded = new Promise(r => v.addEventListener(
                            'loadedmetadata', r, {once: true}));
                        v.preload = 'metadata';
                        v.load();
                        await Promise.race([loaded, new Promise(r => setTimeout(r, 30000))]);
                    }
                    return v.duration;
                }""", video.element_handle())

            # Gait visualisation and the case overview.
            timings["switch_gait_visualisation_s"] = go("Gait visualisation")
            expect(page.get_by_text("Gait events and cycles").first).to_be_visible()
            shot("6_gait_visualisation")
            page.get_by_role("tab", name="Compare suspects").click()
            shot("7_compare_suspects")
            for title in ("Case", "Enrolment", "Training", "Prediction", "Case"):
                timings[f"switch_{title.lower()}_s"] = go(title)
            shot("8_case_summary")

            # Another investigator, in a second browser context, cannot see or open the case:
            # not in the case picker, nor on any page, nor by the pages' addresses (each one a
            # new session, so a new log-in).
            other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            other.set_default_timeout(60_000)
            log_in(other, "iris")
            expect(other.get_by_text("No case yet: create one above")).to_be_visible()

            def nothing_of_the_case(where: str) -> None:
                other.wait_for_timeout(1000)
                body = other.locator("body").inner_text()
                assert "E2E Harbour Street" not in body and "001-nm-06" not in body, where

            for title in ("Enrolment", "Training", "Gait visualisation", "Prediction"):
                other.locator('[data-testid="stSidebarNavLink"]').filter(
                    has_text=re.compile(rf"{title}$")).click()
                expect(other.get_by_text("There is no case yet that you are a member of")
                       ).to_be_visible()
                nothing_of_the_case(title)
            for path in ("enrolment", "prediction", "?case_id=1",
                         "prediction?case_id=1&identification=1"):
                log_in(other, "iris", path)
                nothing_of_the_case(path)
            other.screenshot(path=str(ARTIFACTS / "9_other_investigator.png"), full_page=True)
            # ivan logs out: the log-in form again.
            page.get_by_role("button", name="Log out").click()
            expect(page.get_by_role("heading", name="gait-ID: log in")).to_be_visible()
        except Exception:
            shot("failure")
            raise
        finally:
            browser.close()

    timings = {k: round(v, 3) for k, v in timings.items()}
    (ARTIFACTS / "timings.json").write_text(json.dumps(
        {"timings": timings, "verdicts": verdicts, "top_suspects": top_suspects,
         "video_duration_s": duration_s}, indent=2))
    print(f"\nbrowser timings (s): {timings}\nverdicts: {verdicts}\ntop: {top_suspects}")
    assert duration_s > 0
    from gait.cli import main

    assert main(["verify-report", str(tmp_path / "report.pdf"), "--data-dir",
                 str(data_dir)]) == 0
    store = CaseStore(data_dir)
    (case,) = store.cases()
    assert {m.user.user_name for m in store.members(case.case_id)} == {"ivan"}
    (model,) = store.models(case.case_id)  # trained with the towers and epochs entered
    stored = model.metrics["settings"]
    assert (stored["n_members"], stored["robust_members"], stored["max_epochs"]) == tuple(
        TRAINING_INPUTS.values())
    assert {e.actor for e in store.audit(case.case_id)} == {"ivan"}
    assert [e.actor for e in store.audit() if e.action == "logged in"] == [
        "ada", "ivan", *["iris"] * 5]
    assert (tmp_path / "report.pdf").read_bytes()[:5] == b"%PDF-"
    assert verdicts["001-nm-06"].startswith("Match: 001"), verdicts
    # With a bag or in a coat the walk changes: the open-set decision may refuse to name anyone
    # (a measured limit, reported in the README; the bag take was named with a calibrated
    # probability of 67 % in one run, close to the threshold, and training on this machine is
    # not bit-reproducible between runs), but it must never name someone else.
    for take in ("001-bg-01", "001-cl-01"):
        assert verdicts[take].startswith(("Match: 001", "None of these suspects")), verdicts

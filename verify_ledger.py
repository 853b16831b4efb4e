#!/usr/bin/env python3
"""Check the public ledger of Поколение М without any access to its servers' insides.

    python3 verify_ledger.py https://pokolenie.example
    python3 verify_ledger.py https://pokolenie.example --receipt K7M2-QX9D
    python3 verify_ledger.py https://pokolenie.example --results 12

Needs Python 3.11+ and `cryptography` (python3 -m pip install cryptography). Downloads the published
days, each day's file and the platform's public key; recomputes every Merkle root and the chain of
digests, checks every Ed25519 signature, adds up the money per campaign and compares it with the
counter and the transparency page. Prints what it checked; exits with 1, naming the day, on any
difference (2 when the site cannot be read).

The rules it applies (the same as engagement/services/publication.py and engagement/merkle.py on the site):
- a day file is one JSON object per line: entries (with "receipt"), then transfers (with "transfer");
- leaf = SHA-256(0x00 || line bytes), node = SHA-256(0x01 || left || right), the tree split at the
  largest power of two below its size (RFC 9162); the entries make one tree, the transfers another;
- digest (rule 2) = SHA-256 of "pokolenie-m ledger v2\\n{previous}\\n{day}\\n{entries}\\n{amount}\\n
  {root}\\n{transfers root}\\n"; the signature is Ed25519 over "pokolenie-m ledger v2 {day} {digest}";
- days published before Merkle trees (rule 1) keep their digest, which covered private fields: for
  them the count, the amount and the place in the chain are checked.

With --results <assignment> it checks the jury's open results instead (the same rule as
learning/ranking.py on the site): it downloads the assignment's public score table
(/api/results/<assignment>/), checks every juror's points against the criteria, recomputes each
work's z-score and place, and checks that the published winners hold the first places of their
age bands. Rule "z-score-v1": each juror's totals become (total − the juror's mean) / the juror's
population standard deviation (0 when it is 0) over all works that juror scored in the assignment; a
work's score is the mean of its z-scores rounded to 4 decimals; within an age band works go by score,
then by mean raw total, then by the lower work number.
"""

import argparse
import hashlib
import json
import statistics
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, date, datetime, timedelta

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
except ImportError:  # pragma: no cover - told to the person running it
    sys.exit("Нужна библиотека cryptography: python3 -m pip install cryptography")

GENESIS = "0" * 64
RULE_PLAIN, RULE_MERKLE = 1, 2
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_SHIFTS = [5, 0, 35, 30, 25, 20, 15, 10]
TIMEOUT = 60


# --- the tree -----------------------------------------------------------------------------------


def leaf_hash(line):
    return hashlib.sha256(b"\x00" + line).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


class StreamingRoot:
    """The root over leaves fed one at a time, in memory logarithmic in their number."""

    def __init__(self):
        self.stack = []

    def add(self, leaf):
        size = 1
        while self.stack and self.stack[-1][0] == size:
            leaf = node_hash(self.stack.pop()[1], leaf)
            size *= 2
        self.stack.append((size, leaf))

    def root(self):
        if not self.stack:
            return hashlib.sha256(b"").digest()
        acc = self.stack[-1][1]
        for _, left in reversed(self.stack[:-1]):
            acc = node_hash(left, acc)
        return acc


def root_from_proof(leaf, index, size, proof):
    """RFC 9162, 2.1.3.2: the root an inclusion proof leads to, or None if it is malformed."""
    if index >= size:
        return None
    fn, sn, node = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            node = node_hash(node, sibling)
        fn >>= 1
        sn >>= 1
    return node if sn == 0 else None


def receipt_code(entry_id):
    n = (entry_id * 5_870_647 + 387_420_489_123) & ((1 << 40) - 1)
    return "".join(ALPHABET[(n >> shift) & 31] for shift in _SHIFTS)


def digest_v2(previous, day, count, amount, root, transfers_root):
    text = f"pokolenie-m ledger v2\n{previous}\n{day}\n{count}\n{amount}\n{root}\n{transfers_root}\n"
    return hashlib.sha256(text.encode()).hexdigest()


def signature_valid(key, day, digest, signature):
    try:
        key.verify(bytes.fromhex(signature), f"pokolenie-m ledger v2 {day} {digest}".encode())
        return True
    except (InvalidSignature, ValueError):
        return False


# --- the site -----------------------------------------------------------------------------------


class Site:
    def __init__(self, url):
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"адрес сайта должен начинаться с https:// или http://, а не «{url}»")
        self.base = url.rstrip("/")

    def open(self, path):
        url = path if path.startswith("http") else self.base + path
        headers = {"User-Agent": "verify_ledger.py", "Accept": "*/*"}
        # http(s) only: checked in __init__, and the API's own links stay on the site.
        request = urllib.request.Request(url, headers=headers)  # noqa: S310
        return urllib.request.urlopen(request, timeout=TIMEOUT)  # noqa: S310

    def json(self, path):
        try:
            with self.open(path) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            try:
                detail = json.load(error).get("detail")
            except ValueError:
                detail = None
            raise ValueError(f"{error.code} {path}: {detail or error.reason}") from None

    def digests(self):
        """Every published day, oldest first (the API pages newest first)."""
        days, url = [], "/api/engagement/digests/"
        while url:
            page = self.json(url)
            days.extend(page["results"])
            url = page.get("next")
        return sorted(days, key=lambda digest: digest["day"])

    def public_key(self):
        with self.open("/.well-known/ledger-key.pem") as response:
            key = load_pem_public_key(response.read())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("ключ по адресу /.well-known/ledger-key.pem — не Ed25519")
        return key


# --- checking -----------------------------------------------------------------------------------


class Report:
    def __init__(self):
        self.problems = []

    def ok(self, text):
        print(f"  ✓ {text}")

    def fail(self, text):
        self.problems.append(text)
        print(f"  ✗ {text}")


def check_day(site, key, published, previous, report, campaigns, transfers):
    """Recompute one day from its file; add its money to `campaigns` and its transfers to `transfers`."""
    day = published["day"]
    start = int(datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=UTC).timestamp())
    end = start + 86400
    entries_tree, transfer_leaves = StreamingRoot(), []
    count = amount = 0
    last_id = 0
    bad_lines = []
    with site.open(f"/api/engagement/days/{day}.jsonl") as response:
        for number, raw in enumerate(response, 1):
            line = raw.rstrip(b"\n")
            record = json.loads(line)
            if "transfer" in record:
                transfer_leaves.append(leaf_hash(line))
                transfers.append({**record, "chain_day": day})
                continue
            entries_tree.add(leaf_hash(line))
            count += 1
            amount += record["amount"]
            if record["campaign"] is not None:
                campaigns[record["campaign"]] = campaigns.get(record["campaign"], 0) + record["amount"]
            if record["id"] <= last_id or record["receipt"] != receipt_code(record["id"]):
                bad_lines.append(number)
            if not start <= record["t"] < end:
                bad_lines.append(number)
            last_id = record["id"]
    if bad_lines:
        report.fail(f"{day}: строки файла дня не по правилам (номер, чек или время): {bad_lines[:5]}")
    if published["previous"] != previous:
        report.fail(f"{day}: ссылка на предыдущий день не совпадает с цепочкой")
    if (count, amount) != (published["entries_count"], published["amount"]):
        report.fail(
            f"{day}: в файле дня {count} записей на {amount} коп., "
            f"опубликовано {published['entries_count']} на {published['amount']} коп."
        )
    if published["version"] == RULE_PLAIN:
        return
    transfers_tree = StreamingRoot()
    for leaf in transfer_leaves:
        transfers_tree.add(leaf)
    root, transfers_root = entries_tree.root().hex(), transfers_tree.root().hex()
    if root != published["root"]:
        report.fail(f"{day}: корень дерева Меркла по файлу дня не совпадает с опубликованным — запись изменена")
    if transfers_root != published["transfers_root"]:
        report.fail(f"{day}: корень переводов по файлу дня не совпадает с опубликованным")
    digest = digest_v2(previous, day, count, amount, root, transfers_root)
    if digest != published["digest"]:
        report.fail(f"{day}: хеш дня, пересчитанный по файлу, не совпадает с опубликованным")
    if not signature_valid(key, day, published["digest"], published["signature"]):
        report.fail(f"{day}: подпись хеша дня не подходит к открытому ключу")


def verify_site(site):
    report = Report()
    print(f"Проверяю журнал {site.base}")
    key = site.public_key()
    report.ok("открытый ключ Ed25519 загружен с /.well-known/ledger-key.pem")
    digests = site.digests()
    previous, expected = GENESIS, None
    campaigns, transfers = {}, []
    counts = {RULE_PLAIN: 0, RULE_MERKLE: 0}
    for published in digests:
        day = date.fromisoformat(published["day"])
        if expected is not None and day != expected:
            report.fail(f"{published['day']}: перед ним пропущен день {expected}")
        before = len(report.problems)
        check_day(site, key, published, previous, report, campaigns, transfers)
        counts[published["version"]] = counts.get(published["version"], 0) + 1
        if len(report.problems) == before:
            rule = "корень, цепочка и подпись" if published["version"] == RULE_MERKLE else "число, сумма, цепочка"
            print(f"  ✓ {published['day']}: {published['entries_count']} записей, {published['amount']} коп. ({rule})")
        previous, expected = published["digest"], day + timedelta(days=1)
    report.ok(
        f"дней в цепочке: {len(digests)} (с деревом Меркла и подписью: {counts.get(RULE_MERKLE, 0)}, "
        f"по прежнему правилу: {counts.get(RULE_PLAIN, 0)})"
    )
    check_totals(site, report, campaigns, transfers)
    return report


def check_totals(site, report, campaigns, transfers):
    summary = site.json("/api/engagement/ledger/")
    transparency = site.json("/api/engagement/transparency/")
    seasons = {season["campaign"]: season for season in transparency["seasons"]}
    for campaign in summary["campaigns"]:
        name, files = campaign["name"], campaigns.get(campaign["id"], 0)
        if files != campaign["published_kopecks"]:
            report.fail(
                f"кампания «{name}»: файлы дней дают {files} коп., опубликованные итоги дней — "
                f"{campaign['published_kopecks']} коп."
            )
        total = files + campaign["after_last_day_kopecks"]
        counter = site.json(f"/api/engagement/counter/?campaign={campaign['id']}")["raised_kopecks"]
        shown = seasons.get(name, {}).get("raised_kopecks")
        if not total == campaign["counter_kopecks"] == counter == shown:
            report.fail(
                f"кампания «{name}»: файлы дней и записи после последнего дня — {total} коп., "
                f"счётчик — {counter} коп., страница прозрачности — {shown} коп."
            )
        else:
            report.ok(
                f"кампания «{name}»: {files} коп. по файлам дней + {campaign['after_last_day_kopecks']} коп. "
                f"после {summary['last_published_day']} = счётчик = страница прозрачности ({counter} коп.)"
            )
    shown = {t["id"]: t for t in transparency.get("transfers", []) if t["chain_day"]}
    for transfer in transfers:
        public = shown.pop(transfer["transfer"], None)
        if public is None or (public["amount_kopecks"], public["payment_order"], public["report_sha256"] or "") != (
            transfer["amount"],
            transfer["payment_order"],
            transfer["report_sha256"],
        ):
            report.fail(f"{transfer['chain_day']}: перевод №{transfer['transfer']} на странице прозрачности другой")
    for transfer in shown.values():
        report.fail(f"{transfer['chain_day']}: перевода №{transfer['id']} нет в файле этого дня")
    report.ok(f"переводов в цепочке: {len(transfers)}, совпадают со страницей прозрачности")


def verify_receipt(site, code):
    report = Report()
    code = code.strip().upper().replace("-", "").replace(" ", "")
    print(f"Проверяю чек {code[:4]}-{code[4:]} на {site.base}")
    answer = site.json(f"/api/engagement/receipts/{urllib.parse.quote(code)}/")
    print(f"  {answer['kind_display']}, {answer['amount_kopecks']} коп., день {answer['day']}")
    if answer["status"] != "published":
        report.fail(f"{answer['day']}: день ещё не опубликован с деревом Меркла — доказательства пока нет")
        return report
    proof = answer["proof"]
    line = proof["line"].encode()
    record = json.loads(line)
    if record["receipt"] != answer["code"] or receipt_code(record["id"]) != answer["code"]:
        report.fail(f"{answer['day']}: строка доказательства относится к другому чеку")
    root = root_from_proof(
        leaf_hash(line), proof["leaf_index"], proof["tree_size"], [bytes.fromhex(node) for node in proof["path"]]
    )
    published = next((d for d in site.digests() if d["day"] == answer["day"]), None)
    if published is None:
        report.fail(f"{answer['day']}: этого дня нет среди опубликованных")
        return report
    if root is None or root.hex() != published["root"] or proof["tree_size"] != published["entries_count"]:
        report.fail(f"{answer['day']}: путь в дереве не ведёт к опубликованному корню дня")
    else:
        report.ok(f"запись входит в дерево дня {answer['day']} (номер {proof['leaf_index']} из {proof['tree_size']})")
    digest = digest_v2(
        published["previous"],
        published["day"],
        published["entries_count"],
        published["amount"],
        published["root"],
        published["transfers_root"],
    )
    if digest != published["digest"]:
        report.fail(f"{answer['day']}: хеш дня не сходится с его корнем")
    elif not signature_valid(site.public_key(), published["day"], digest, published["signature"]):
        report.fail(f"{answer['day']}: подпись хеша дня не подходит к открытому ключу")
    else:
        report.ok(f"корень дня {answer['day']} подписан ключом платформы")
    return report


# --- open judging ---------------------------------------------------------------------------------

RESULTS_RULE = "z-score-v1"
SCORE_TOLERANCE = 1e-6


def juror_stats(scores):
    """{juror: (mean total, spread)} over (juror, work, band, total) tuples."""
    totals = {}
    for juror, _work, _band, total in scores:
        totals.setdefault(juror, []).append(total)
    return {
        juror: (statistics.fmean(values), statistics.pstdev(values) if len(values) > 1 else 0.0)
        for juror, values in totals.items()
    }


def z_score_ranking(scores):
    """{band: [{work, score, jurors, mean_total, place}, ...]}: the rule "z-score-v1"."""
    scores = list(scores)
    stats = juror_stats(scores)
    z_by_work, raw_by_work, band_of = {}, {}, {}
    for juror, work, band, total in scores:
        mean, spread = stats[juror]
        z_by_work.setdefault(work, []).append((total - mean) / spread if spread else 0.0)
        raw_by_work.setdefault(work, []).append(total)
        band_of[work] = band
    bands = {}
    for work, zs in z_by_work.items():
        bands.setdefault(band_of[work], []).append(
            {
                "work": work,
                "score": round(statistics.fmean(zs), 4),
                "jurors": len(zs),
                "mean_total": round(statistics.fmean(raw_by_work[work]), 2),
            }
        )
    for rows in bands.values():
        rows.sort(key=lambda row: (-row["score"], -row["mean_total"], row["work"]))
        for place, row in enumerate(rows, start=1):
            row["place"] = place
    return dict(sorted(bands.items()))


def verify_results(site, assignment):
    report = Report()
    print(f"Проверяю итоги задания {assignment} на {site.base}")
    table = site.json(f"/api/results/{urllib.parse.quote(str(assignment).strip(), safe='')}/")
    name = f"задание {table['assignment']['id']} «{table['assignment']['title']}»"
    print(f"  {name}: {table['assignment']['direction']}, {table['assignment']['season']}")
    if table.get("rule") != RESULTS_RULE:
        report.fail(f"{name}: правило подсчёта «{table.get('rule')}» этой версии программы не известно")
        return report
    criteria = {c["id"]: c["max_points"] for c in table["criteria"]}
    scores = []
    for work in table["works"]:
        for given in work["scores"]:
            points, who = given["points"], f"{name}: работа №{work['code']}, член жюри {given['juror']}"
            if set(points) != set(criteria):
                report.fail(f"{who}: баллы не по критериям задания")
            elif any(not 0 <= value <= criteria[key] for key, value in points.items()):
                report.fail(f"{who}: балл вне шкалы критерия")
            if sum(points.values()) != given["total"]:
                report.fail(f"{who}: сумма {given['total']} не равна сумме баллов по критериям")
            scores.append((given["juror"], work["code"], work["age_band"], sum(points.values())))
    jurors = {juror for juror, *_ in scores}
    report.ok(f"оценок: {len(scores)} от {len(jurors)} членов жюри, работ: {len(table['works'])}")
    bands = z_score_ranking(scores)
    recomputed = {row["work"]: row for rows in bands.values() for row in rows}
    differ = 0
    for work in table["works"]:
        row = recomputed.get(work["code"])
        if row is None or row["place"] != work["place"] or abs(row["score"] - work["score"]) > SCORE_TOLERANCE:
            differ += 1
            again = f"{row['place']} место ({row['score']})" if row else "нет оценок"
            report.fail(
                f"{name}: работа №{work['code']}: опубликовано {work['place']} место ({work['score']}), "
                f"пересчёт даёт {again}"
            )
    if not differ:
        report.ok(f"места и баллы в группах ({', '.join(bands)}) совпадают с пересчётом по z-оценкам")
    marked = {work["code"] for work in table["works"] if work["winner"]}
    if set(table["winners"]) != marked:
        report.fail(f"{name}: список победителей не совпадает с отметками в таблице")
    for band, rows in bands.items():
        winners = {work["code"] for work in table["works"] if work["age_band"] == band and work["code"] in marked}
        top = {row["work"] for row in rows[: len(winners)]}
        if winners != top:
            report.fail(
                f"{name}, группа {band}: победители — №{', №'.join(map(str, sorted(winners)))}, "
                f"а первые места по пересчёту — №{', №'.join(map(str, sorted(top)))}"
            )
        elif winners:
            report.ok(
                f"группа {band}: победители (№{', №'.join(map(str, sorted(winners)))}) — первые места по пересчёту"
            )
    if not marked:
        report.fail(f"{name}: победители не опубликованы")
    appeals = table.get("appeals") or {}
    print(f"  апелляций подано: {appeals.get('filed', 0)}, удовлетворено: {appeals.get('upheld', 0)}")
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description="Проверка открытого журнала «Поколения М».")
    parser.add_argument("site", help="адрес сайта, например https://pokolenie.example")
    parser.add_argument("--receipt", help="проверить один чек, например K7M2-QX9D")
    parser.add_argument("--results", metavar="ЗАДАНИЕ", help="проверить итоги жюри задания (номер задания)")
    args = parser.parse_args(argv)
    try:
        site = Site(args.site)
    except ValueError as error:
        parser.error(str(error))  # exit 2: nothing was checked
    try:
        if args.results:
            report = verify_results(site, args.results)
        elif args.receipt:
            report = verify_receipt(site, args.receipt)
        else:
            report = verify_site(site)
    except (urllib.error.URLError, OSError, ValueError, KeyError) as error:
        print(f"Не удалось прочитать журнал с {site.base}: {error}", file=sys.stderr)
        return 2
    if report.problems:
        what = "Итоги жюри НЕ сходятся." if args.results else "Журнал НЕ сходится."
        print(f"Найдено расхождений: {len(report.problems)}. {what}")
        return 1
    print("Всё сходится.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

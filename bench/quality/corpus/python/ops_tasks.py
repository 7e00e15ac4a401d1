"""Ops tasks run by the admin panel: backups, diagnostics, syncing mirrors."""

import ftplib
import os
import shlex
import smtplib
import ssl
import subprocess
import urllib.request

import httpx
import paramiko
import requests
import urllib3
from flask import Flask, request

app = Flask(__name__)
HOSTS = {"db1": "10.0.0.11", "db2": "10.0.0.12"}
DUMPABLE = {"billing": "billing_prod", "wiki": "wiki_prod"}


@app.post("/ops/ping")
def ping():
    host = request.form["host"]
    out = subprocess.check_output("ping -c 1 " + host, shell=True)  # expect: command-injection
    return out


@app.post("/ops/ping-safe")
def ping_safe():
    host = request.form["host"]
    out = subprocess.check_output(["ping", "-c", "1", "--", host])  # safe: command-injection
    return out


@app.post("/ops/ping-quoted")
def ping_quoted():
    host = request.form["host"]
    out = subprocess.check_output("ping -c 1 " + shlex.quote(host), shell=True)  # safe: command-injection
    return out


@app.post("/ops/backup")
def backup():
    db = request.form["db"]
    cmd = f"pg_dump {db} | gzip > /backups/{db}.sql.gz"  # flow: command-injection
    subprocess.run(cmd, shell=True, check=True)  # expect: command-injection
    return "ok"


@app.post("/ops/backup-safe")
def backup_safe():
    dbname = DUMPABLE.get(request.form["db"], "wiki_prod")
    subprocess.run(f"pg_dump {dbname} | gzip > /backups/{dbname}.sql.gz", shell=True, check=True)  # safe: command-injection
    return "ok"


@app.post("/ops/du")
def disk_usage():
    path = request.form.get("path", "/")
    stream = os.popen("du -sh %s" % path)  # expect: command-injection
    return stream.read()


@app.post("/ops/grep-logs")
def grep_logs():
    pattern = request.form["pattern"]
    proc = subprocess.Popen(["sh", "-c", "grep " + pattern + " /var/log/app.log"], stdout=subprocess.PIPE)  # expect: command-injection
    return proc.communicate()[0]


@app.post("/ops/uptime")
def uptime():
    return subprocess.check_output(["uptime"])  # safe: command-injection


@app.post("/ops/restart")
def restart():
    os.system("systemctl restart app.service")  # safe: command-injection
    return "ok"


@app.post("/ops/mirror")
def mirror():
    r = requests.get("https://mirror.internal/index.json", verify=False, timeout=10)  # expect: tls
    r2 = requests.get("https://mirror.internal/index.json", verify="/etc/ssl/internal-ca.pem", timeout=10)  # safe: tls
    return {"a": r.status_code, "b": r2.status_code}


@app.post("/ops/mirror-urllib")
def mirror_urllib():
    data = urllib.request.urlopen("https://mirror.internal/index.json", context=ssl._create_unverified_context()).read()  # expect: tls
    ctx2 = ssl.create_default_context()  # safe: tls
    return data + urllib.request.urlopen("https://mirror.internal/v2.json", context=ctx2).read()


def mirror_clients():
    pool = urllib3.PoolManager(cert_reqs="CERT_NONE")  # expect: tls
    client = httpx.Client(base_url="https://mirror.internal", verify=False)  # expect: tls
    return pool, client


def old_protocol_context():
    return ssl.SSLContext(ssl.PROTOCOL_TLSv1)  # expect: tls | weak-crypto


def modern_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # safe: tls
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def upload_report(path: str):
    ftp = ftplib.FTP("ftp.partner.example.com")  # expect: tls
    ftp.login("reports", os.environ["FTP_PASSWORD"])
    with open(path, "rb") as fh:
        ftp.storbinary("STOR report.csv", fh)
    secure = ftplib.FTP_TLS("ftp.partner.example.com")  # safe: tls
    secure.login("reports", os.environ["FTP_PASSWORD"])
    secure.prot_p()


def send_alert(body: str):
    server = smtplib.SMTP("smtp.example.com", 587)
    server.starttls(context=ssl.create_default_context())  # safe: tls
    server.login("alerts", os.environ["SMTP_PASSWORD"])
    server.sendmail("alerts@example.com", ["ops@example.com"], body)


def post_metrics(payload: dict):
    requests.post("http://metrics.shopcorp.net/ingest", json=payload, timeout=5)  # expect: tls
    requests.post("https://metrics.example.com/ingest", json=payload, timeout=5)  # safe: tls


def connect_bastion(host: str):
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.WarningPolicy())  # expect: tls
    client.connect(host, username="ops")
    strict = paramiko.SSHClient()
    strict.load_system_host_keys()
    strict.set_missing_host_key_policy(paramiko.RejectPolicy())  # safe: tls
    return client, strict

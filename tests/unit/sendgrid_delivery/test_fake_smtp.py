"""The loopback SMTP server other tests rely on, exercised with smtplib."""

import smtplib
from email.message import EmailMessage

import pytest
from nordic_crm_fakes.smtp import FakeSMTPServer


def _message(subject="Hej", body="Hello\n.starts with a dot\n", **headers):
    msg = EmailMessage()
    msg["From"] = "sender@example.com"
    msg["To"] = "anne@example.dk"
    msg["Subject"] = subject
    for key, value in headers.items():
        msg[key.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def test_stores_envelope_and_parsed_message():
    with FakeSMTPServer() as smtp:
        assert smtp.host == "127.0.0.1" and smtp.port > 0
        with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
            client.send_message(
                _message(X_Custom="42"), to_addrs=["anne@example.dk", "bo@example.nl"]
            )
        assert len(smtp.messages) == 1
        received = smtp.messages[0]
        assert received.mail_from == "sender@example.com"
        assert received.rcpt_tos == ["anne@example.dk", "bo@example.nl"]
        assert received.message["Subject"] == "Hej"
        assert received.message["X-Custom"] == "42"
        # dot-stuffing undone: the body arrives as written
        assert ".starts with a dot" in received.message.get_content()
        assert smtp.messages_to("BO@example.nl") == [received]


def test_login_recorded_and_helo_fallback():
    with FakeSMTPServer() as smtp:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
            client.login("apikey", "SG.secret")
            client.sendmail(
                "a@example.com", ["b@example.com"], b"Subject: x\r\n\r\nhi\r\n"
            )
        with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
            client.helo("old-client")
            client.sendmail(
                "c@example.com", ["d@example.com"], b"Subject: y\r\n\r\nyo\r\n"
            )
        assert smtp.logins == [("apikey", "SG.secret")]
        assert smtp.messages[0].auth == ("apikey", "SG.secret")
        assert smtp.messages[1].helo == "old-client"
        assert smtp.messages[1].auth is None


def test_rset_noop_and_sequence_errors():
    with FakeSMTPServer() as smtp:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
            client.ehlo()
            assert client.noop()[0] == 250
            assert client.rcpt("x@example.com")[0] == 503  # RCPT before MAIL
            assert client.mail("a@example.com")[0] == 250
            assert client.rset()[0] == 250
            assert client.rcpt("x@example.com")[0] == 503  # RSET cleared MAIL
            assert client.docmd("BOGUS")[0] == 502
        assert smtp.messages == []


def test_scripted_refusals():
    with FakeSMTPServer() as smtp:
        smtp.fail_next("RCPT", 550, "5.1.1 No such user")
        with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.sendmail("a@example.com", ["gone@example.com"], b"\r\nhi\r\n")
            client.sendmail("a@example.com", ["ok@example.com"], b"\r\nhi\r\n")
        assert [m.rcpt_tos for m in smtp.messages] == [["ok@example.com"]]


def test_raw_header_keeps_folding():
    long_value = "x" * 120 + " " + "y" * 120
    with FakeSMTPServer() as smtp:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
            raw = (
                "Subject: folded\r\nX-Long: "
                + long_value.replace(" ", "\r\n ")
                + "\r\n\r\nbody\r\n"
            )
            client.sendmail("a@example.com", ["b@example.com"], raw.encode())
        received = smtp.wait_for(1)[0]
        assert received.raw_header("X-Long") == long_value.replace(" ", "\r\n ")
        assert all(len(line) <= 998 for line in received.raw_lines)


def test_stop_releases_port():
    smtp = FakeSMTPServer().start()
    port = smtp.port
    smtp.stop()
    with pytest.raises(OSError):
        smtplib.SMTP("127.0.0.1", port, timeout=1)

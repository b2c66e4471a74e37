"""A real SMTP server on loopback for the tests (Debian's python3-aiosmtpd).

usage: sink.py PORT FOLDER
Each message accepted is written to FOLDER/<n>.json: the envelope's recipients, the
headers as decoded, the text part and each attachment (base64). A recipient whose
address starts with "refuse" is refused with 550, as a real server refuses an unknown
mailbox. Prints "ready" once listening; runs until killed.
"""
import base64, email, email.policy, json, os, sys, time
from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder, self.count = folder, 0

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address.startswith("refuse"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = msg.get_body(preferencelist=("plain",))
        out = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(msg["From"]),
            "to": str(msg["To"]),
            "subject": str(msg["Subject"]),
            "text": text.get_content() if text is not None else None,
            "attachments": [
                {
                    "name": part.get_filename(),
                    "type": part.get_content_type(),
                    "data": base64.b64encode(part.get_content()).decode(),
                }
                for part in msg.iter_attachments()
            ],
        }
        self.count += 1
        path = os.path.join(self.folder, f"{self.count}.json")
        with open(path + ".tmp", "w") as f:
            json.dump(out, f)
        os.rename(path + ".tmp", path)
        return "250 Message accepted for delivery"


port, folder = int(sys.argv[1]), sys.argv[2]
controller = Controller(Sink(folder), hostname="127.0.0.1", port=port)
controller.start()
print("ready", flush=True)
while True:
    time.sleep(3600)

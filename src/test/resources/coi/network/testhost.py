# A test host for the network fence tests: TCP listeners that greet with their own address, and
# optionally a tiny authoritative DNS server whose answers are re-read from a JSON file on every
# query ({"name": ["1.2.3.4"], "other": "SERVFAIL"}), so a test can change or break resolution.
# Never recurses, never sends anything on its own.
import json, socket, socketserver, struct, sys, threading, time

class Greeter(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.sendall(b"coitest %s\n" % self.request.getsockname()[0].encode())

# --hold: accepts and keeps the connection open, sending nothing (the other end of a reverse
# shell); logs "accept PORT T" and "closed PORT SECONDS" to a file, so a test can tell how long
# the connection lived before the far side died.
hold_log = None

class Holder(socketserver.BaseRequestHandler):
    def handle(self):
        port = self.request.getsockname()[1]
        start = time.time()
        record("accept %d %.3f" % (port, start))
        try:
            while self.request.recv(4096):
                pass
        except OSError:
            pass
        record("closed %d %.3f" % (port, time.time() - start))

def record(line):
    with open(hold_log, "a") as f:
        f.write(line + "\n")

class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

def dns(sock, answers_file):
    while True:
        query, peer = sock.recvfrom(512)
        qid, flags = struct.unpack("!HH", query[:4])
        labels, i = [], 12
        while query[i]:
            labels.append(query[i + 1:i + 1 + query[i]].decode().lower())
            i += 1 + query[i]
        question = query[12:i + 5]
        qtype = struct.unpack("!H", query[i + 1:i + 3])[0]
        answer = json.load(open(answers_file)).get(".".join(labels))
        rcode, records = (3, []) if answer is None else (2, []) if answer == "SERVFAIL" else (0, answer if qtype == 1 else [])
        reply = struct.pack("!HHHHHH", qid, 0x8400 | (flags & 0x0100) | rcode, 1, len(records), 0, 0) + question
        for a in records:
            reply += struct.pack("!HHHIH", 0xC00C, 1, 1, 5, 4) + socket.inet_aton(a)
        sock.sendto(reply, peer)

# usage: testhost.py [--tcp ADDR:PORT]... [--dns ADDR:PORT ANSWERS.json] [--hold LOG ADDR:PORT...]
args, tcp, hold, dns_args = sys.argv[1:], [], [], None
while args:
    if args[0] == "--tcp":
        tcp.append(args[1]); args = args[2:]
    elif args[0] == "--hold":
        hold_log = args[1]; hold.append(args[2]); args = args[3:]
    elif args[0] == "--dns":
        dns_args = args[1:3]; args = args[3:]
    else:
        sys.exit("unknown argument " + args[0])
for spec in tcp:
    host, port = spec.rsplit(":", 1)
    server = Server((host, int(port)), Greeter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
for spec in hold:
    host, port = spec.rsplit(":", 1)
    server = Server((host, int(port)), Holder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
if dns_args:
    host, port = dns_args[0].rsplit(":", 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, int(port)))
    threading.Thread(target=dns, args=(sock, dns_args[1]), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()

# io.TextIOWrapper.detach() in one thread while others call tell()/seek() (3.13 free-threaded)
import io, threading

for _ in range(200):
    w = io.TextIOWrapper(io.BytesIO(b"ab\ncd\n"), encoding="utf-8", newline="")
    barrier = threading.Barrier(3)
    def detach():
        barrier.wait()
        try: w.detach()
        except ValueError: pass
    def tell():
        barrier.wait()
        for _ in range(50):
            try: w.tell(); w.seek(0)
            except ValueError: pass
    threads = [threading.Thread(target=f) for f in (detach, tell, tell)]
    for t in threads: t.start()
    for t in threads: t.join()
print("survived")

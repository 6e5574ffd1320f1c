import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TCP proxy in front of the server that can cut connections in the middle of a transfer.
///
/// `plan` is asked once per accepted connection (numbered from 0) and answers how many bytes may pass in
/// each direction before both sockets are closed; nil lets the connection run free.
final class FaultProxy: @unchecked Sendable {
    struct Cut: Sendable {
        enum How: Sendable {
            /// Both sockets shut down: the peer reads an end of stream.
            case close
            /// Reset (SO_LINGER 0): the peer's next read or write fails with ECONNRESET.
            case reset
            /// Nothing more passes and nothing is closed: the peer waits until its own timeout.
            case stall
        }
        var afterUploadBytes: Int?
        var afterDownloadBytes: Int?
        var how: How = .close
    }

    let port: Int
    private let upstreamPort: Int
    private let listener: Int32
    private let plan: @Sendable (Int) -> Cut?
    private let lock = NSLock()
    private var accepted = 0
    private var cuts = 0
    private var open: Set<Int32> = []
    private var stopped = false
    private var uploadRate: Int?
    private var downloadRate: Int?
    private var uploadHold: Int?
    private var downloadHold: Int?

    /// Caps each connection's client-to-server bytes per second (nil: unlimited); applies from the next chunk.
    var uploadBytesPerSecond: Int? {
        get { locked { uploadRate } }
        set { locked { uploadRate = newValue } }
    }

    /// The same for server-to-client bytes.
    var downloadBytesPerSecond: Int? {
        get { locked { downloadRate } }
        set { locked { downloadRate = newValue } }
    }

    /// Once a connection has carried this many client-to-server bytes, nothing more passes on it until this is
    /// raised or set back to nil; nothing is closed, so its request stays unfinished, while a new connection
    /// still carries its first bytes (a small request such as an abort gets through). A test that needs transfers
    /// running (or some parts stored and the rest not) at some moment gets that whatever the machine's speed,
    /// where a slow rate only makes it likely.
    var holdUploadsAfterBytes: Int? {
        get { locked { uploadHold } }
        set { locked { uploadHold = newValue } }
    }

    /// The same for server-to-client bytes.
    var holdDownloadsAfterBytes: Int? {
        get { locked { downloadHold } }
        set { locked { downloadHold = newValue } }
    }

    init(upstreamPort: Int, plan: @escaping @Sendable (Int) -> Cut?) throws {
        self.upstreamPort = upstreamPort
        self.plan = plan
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            close(fd)
            throw TestFailure("proxy cannot listen")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// How many connections were cut so far.
    var cutCount: Int { locked { cuts } }

    var endpoint: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Cuts every open connection (new ones are still accepted): what a killed client leaves in flight. Without
    /// it, bytes already buffered in the proxy would still reach the server after the client is gone.
    func dropConnections() {
        // Under the lock: a descriptor still in `open` has not been closed, so it cannot have been reused.
        locked {
            for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    func stop() {
        let sockets = locked { () -> Set<Int32> in
            stopped = true
            return open
        }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for fd in sockets { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    /// POLLRDHUP (Linux): the peer shut its writing side down, seen even with its last bytes still unread.
    private static let peerClosed: Int16 = 0x2000

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: UInt16(upstreamPort))
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                close(client)
                close(server)
                continue
            }
            let (index, isStopped) = locked { () -> (Int, Bool) in
                defer { accepted += 1 }
                open.insert(client)
                open.insert(server)
                return (accepted, stopped)
            }
            if isStopped {
                close(client)
                close(server)
                return
            }
            let cut = plan(index)
            let pair = Pair(client: client, server: server)
            Thread.detachNewThread { [self] in
                pump(from: client, to: server, limit: cut?.afterUploadBytes, how: cut?.how ?? .close, pair: pair,
                     rate: { self.uploadBytesPerSecond }, hold: { self.holdUploadsAfterBytes })
            }
            Thread.detachNewThread { [self] in
                pump(from: server, to: client, limit: cut?.afterDownloadBytes, how: cut?.how ?? .close, pair: pair,
                     rate: { self.downloadBytesPerSecond }, hold: { self.holdDownloadsAfterBytes })
            }
        }
    }

    private final class Pair: @unchecked Sendable {
        let client: Int32
        let server: Int32
        private let lock = NSLock()
        private var finishedDirections = 0

        init(client: Int32, server: Int32) {
            self.client = client
            self.server = server
        }

        private var reset = false

        func markReset() {
            lock.lock()
            reset = true
            lock.unlock()
        }

        var isReset: Bool {
            lock.lock()
            defer { lock.unlock() }
            return reset
        }

        /// Both directions done: now the descriptors may be closed.
        func finishOne() -> Bool {
            lock.lock()
            defer { lock.unlock() }
            finishedDirections += 1
            return finishedDirections == 2
        }
    }

    private func pump(from source: Int32, to destination: Int32, limit: Int?, how: Cut.How, pair: Pair, rate: () -> Int?,
                      hold: () -> Int?) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var passed = 0
        var paced = 0
        var pacingStart = Date()
        var wasCut = false
        loop: while true {
            var wanted = limit.map { Swift.min(buffer.count, $0 - passed) } ?? buffer.count
            if wanted <= 0 {
                wasCut = true
                break
            }
            while let held = hold(), passed >= held, !locked({ stopped }) {
                // A sender that gives up on a held request (a cancelled part) closes its side: the connection ends
                // there, at once, as it would have without the proxy, and what it left unsent never passes.
                var probe = pollfd(fd: source, events: Self.peerClosed, revents: 0)
                if poll(&probe, 1, 10) > 0, probe.revents & (Self.peerClosed | Int16(POLLHUP | POLLERR | POLLNVAL)) != 0 {
                    break loop
                }
            }
            if let held = hold(), held > passed { wanted = Swift.min(wanted, held - passed) }
            let count = read(source, &buffer, wanted)
            if count <= 0 { break }
            var offset = 0
            while offset < count {
                let written = buffer[offset..<count].withUnsafeBytes { write(destination, $0.baseAddress, count - offset) }
                if written <= 0 { break loop }
                offset += written
            }
            passed += count
            if let rate = rate() {
                paced += count
                let due = Double(paced) / Double(rate) - Date().timeIntervalSince(pacingStart)
                if due > 0 {
                    Thread.sleep(forTimeInterval: due)
                } else {
                    // Behind the pace means the connection sat idle: an idle spell earns no burst, or a request
                    // on a kept-alive connection would pass at full speed up to the credit it banked.
                    paced = 0
                    pacingStart = Date()
                }
            } else {
                paced = 0
                pacingStart = Date()
            }
        }
        if wasCut {
            locked { cuts += 1 }
            switch how {
            case .close:
                break
            case .reset:
                // A zero linger makes the final close send a reset instead of an end of stream; the client side is
                // never shut down (that would send the end of stream first), only woken for reading.
                var linger = linger(l_onoff: 1, l_linger: 0)
                setsockopt(pair.client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
                pair.markReset()
                shutdown(pair.client, Int32(SHUT_RD))
            case .stall:
                // Holds the connection open and silent until the client gives up on it (or the proxy stops).
                while !locked({ stopped }) {
                    var probe = pollfd(fd: pair.client, events: Int16(POLLIN), revents: 0)
                    if poll(&probe, 1, 100) > 0, probe.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { break }
                    if probe.revents & Int16(POLLIN) != 0 {
                        var sink = [UInt8](repeating: 0, count: 4096)
                        if read(pair.client, &sink, sink.count) <= 0 { break }
                    }
                }
            }
        }
        // Either direction ending tears the whole connection down, like a dropped mobile link.
        if pair.isReset {
            shutdown(pair.client, Int32(SHUT_RD))
        } else {
            shutdown(pair.client, Int32(SHUT_RDWR))
        }
        shutdown(pair.server, Int32(SHUT_RDWR))
        if pair.finishOne() {
            locked {
                open.remove(pair.client)
                open.remove(pair.server)
            }
            close(pair.client)
            close(pair.server)
        }
    }
}

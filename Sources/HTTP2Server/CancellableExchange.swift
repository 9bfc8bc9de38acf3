import NIOCore

/// What an HTTP/1.1 exchange and an HTTP/2 stream share about ending early: the handlers to tell
/// when the client goes away, and an optional deadline. One implementation serves both.
protocol CancellableExchange: AnyObject {
    var closed: Bool { get }
    /// Set once the exchange was cancelled; later `onCancel` handlers run at once with it.
    var cancellation: HTTPStreamError? { get }
    var cancelHandlers: CancelHandlers { get set }
    var deadlineTimer: Scheduled<Void>? { get set }
    /// The connection's loop while the exchange is open.
    var timerEventLoop: EventLoop? { get }
}

extension CancellableExchange {
    func setDeadline(_ deadline: NIODeadline, onExpiry: @escaping () -> Void) {
        guard !self.closed, let eventLoop = self.timerEventLoop else { return }
        self.deadlineTimer?.cancel()
        self.deadlineTimer = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            guard let self, !self.closed else { return }
            self.deadlineTimer = nil
            onExpiry()
        }
    }

    func onCancel(_ handler: @escaping (HTTPStreamError) -> Void) {
        if let cancellation = self.cancellation {
            handler(cancellation)
        } else if !self.closed {
            self.cancelHandlers.append(handler)
        }
    }
}

/// The handlers to run if an exchange is cancelled, in the order they were added. Almost every
/// exchange has exactly one (its call's), kept without an array allocation.
struct CancelHandlers {
    private var first: ((HTTPStreamError) -> Void)?
    private var more: [(HTTPStreamError) -> Void] = []

    mutating func append(_ handler: @escaping (HTTPStreamError) -> Void) {
        if self.first == nil {
            self.first = handler
        } else {
            self.more.append(handler)
        }
    }

    /// Removes every handler, then runs them in order.
    mutating func runAndRemove(_ error: HTTPStreamError) {
        let taken = self
        self = CancelHandlers()
        taken.first?(error)
        for handler in taken.more { handler(error) }
    }
}

import ArgumentParser

@main
struct Metricsd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metricsd",
        abstract: "Real-time key messaging metrics: gRPC (h2c) and a REST JSON gateway on one port.",
        subcommands: [Serve.self, Query.self, Simulate.self]
    )
}

// skannr-api: `serve` runs the FastCGI responder pool, `worker` is one responder (started by the
// pool, accepting on fd 0), `migrate` applies sql/migrations. Thin: parse, configure, run.

import SkannrSettings
import ArgumentParser
import FastCGI
import Foundation
import Logging
import Observability
import SkannrAPI

@main
struct SkannrAPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skannr-api",
        abstract: "Skannr's API: a pool of FastCGI responders behind nginx.",
        subcommands: [Serve.self, Worker.self, Migrate.self]
    )
}

struct CommonOptions: ParsableArguments {
    @Option(help: "Settings file of KEY=value lines (the environment overrides it).")
    var config: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    /// Invalid settings end the process as in skannr-scanner and skannr-notifier: one `config_failed`
    /// log line naming the variable, exit 78 (EX_CONFIG).
    func load(label: String) throws -> (APIConfiguration, Logger) {
        JSONLogHandler.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .info)
        let logger = Logger(label: label)
        do {
            return (try APIConfiguration(settings: Settings.load(file: config)), logger)
        } catch {
            logger.critical("invalid configuration", metadata: ["event": "config_failed", "error": "\(error)"])
            throw ExitCode(78)
        }
    }
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the responder pool (supervisor and workers).")

    @OptionGroup var common: CommonOptions

    @Option(help: "Unix socket to listen on; without it the listening socket is taken from fd 0.")
    var socket: String?

    @Option(help: "Number of worker processes (default: 2 per core).")
    var workers: Int = 2 * ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Group given the socket (mode 0660), e.g. nginx's workers' group; default: SKANNR_API_SOCKET_GROUP, else this process's group.")
    var socketGroup: String?

    func run() throws {
        let (_, logger) = try common.load(label: "skannr.pool")
        var command = [Self.ownExecutable(), "worker", "--log-level", common.logLevel]
        if let config = common.config { command += ["--config", config] }
        var configuration = PoolConfiguration(socketPath: socket, workers: workers, workerCommand: command)
        let settingsGroup = try Settings.load(file: common.config).optional("SKANNR_API_SOCKET_GROUP")
        configuration.socketGroup = socketGroup ?? settingsGroup.flatMap { $0.isEmpty ? nil : $0 }
        let pool = ProcessPool(configuration: configuration, logger: logger)
        let status = try pool.run()
        throw ExitCode(status)
    }

    static func ownExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "One responder; started by `serve`, accepts on fd 0.")

    @OptionGroup var common: CommonOptions

    func run() throws {
        let (configuration, logger) = try common.load(label: "skannr.api")
        let application = try Wiring.application(configuration: configuration, logger: logger)
        Responder.installShutdownHandler()
        let responder = try Responder(listenFD: 0, maxBodyBytes: application.largestBodyBytes)
        responder.run(application.handle)
    }
}

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply the SQL migrations that have not been applied yet.")

    @OptionGroup var common: CommonOptions

    @Option(help: "Folder of NNNN_name.sql files.")
    var directory: String = "sql/migrations"

    func run() throws {
        let (configuration, logger) = try common.load(label: "skannr.migrate")
        let applied = try Wiring.migrate(configuration: configuration, directory: directory)
        logger.info("migrations applied", metadata: ["count": "\(applied.count)", "names": "\(applied.joined(separator: ","))"])
    }
}

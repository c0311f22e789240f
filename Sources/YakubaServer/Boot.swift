import Foundation
import Vapor
import Synchronization

/// The whole program: configure, register commands, create the first administrator before serving, run.
public enum Yakuba {
    /// Commands whose standard output is meant to be read by a program.
    static let machineReadableCommands: Set<String> = ["calendar"]

    public static func main() async throws {
        var env = try Environment.detect()
        if env.arguments.dropFirst().first == "face" {
            // the face tools need no database and no server: they run before either is set up
            exit(FaceCommand.run(Array(env.arguments.dropFirst(2))))
        }
        if env.arguments.dropFirst().first.map(machineReadableCommands.contains) ?? false {
            // Their standard output is data for scripts (`yakuba calendar 2026 > holidays.txt`); logs go to stderr.
            try LoggingSystem.bootstrap(from: &env) { level in
                { label in var h = StreamLogHandler.standardError(label: label); h.logLevel = level; return h }
            }
        } else {
            // Vapor's own console logger, made once per label and copied after that: Vapor asks for a logger on every
            // request, and building a console logger's fragments each time was a visible share of a request's work.
            try LoggingSystem.bootstrap(from: &env) { level in
                let console = Terminal()
                let made = Mutex<[String: ConsoleLogger]>([:])
                return { label in
                    made.withLock { m in
                        if let l = m[label] { return l }
                        let l = ConsoleLogger(label: label, console: console, level: level)
                        m[label] = l
                        return l
                    }
                }
            }
        }
        let app = try await Application.make(env)
        var exitCode: Int32 = 0
        do {
            try await configure(app, config: .fromEnvironment())
            registerCommands(app)
            let args = Array(env.arguments.dropFirst())
            if args.isEmpty || args.first == "serve" {
                if let admin = try await bootstrapAdministrator(app) {
                    print("""
                    ================================================================
                     Yakuba: 初回起動 / first run
                     管理者 administrator: 職員番号 \(admin.staffNumber)
                     一回限りのパスワード one-time password: \(admin.password)
                     （初回ログイン時に変更が必要です / change it at first sign-in）
                    ================================================================
                    """)
                }
            }
            try await app.execute()
        } catch let e as ExitCode {
            exitCode = e.code
        } catch {
            app.logger.report(error: error)
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exitCode = 1
        }
        try await app.asyncShutdown()
        if exitCode != 0 { exit(exitCode) }
    }
}

import ArgumentParser
import SiloCore

struct Silo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "silo",
        abstract: "Self-hosted object storage speaking the Alibaba Cloud OSS API.",
        version: SiloVersion.current,
        subcommands: [ServerCommand.self, InitCommand.self, CertCommand.self, BackupCommand.self, RestoreCommand.self, MigrateCommand.self, AppServerCommand.self, DemoCommand.self, AdminCommand.self, MakeBucketCommand.self, ListCommand.self, CopyCommand.self, TransfersCommand.self,
                      RemoveCommand.self, PresignCommand.self, CatCommand.self, AuditCommand.self, EventsCommand.self,
                      JobsCommand.self])
}

import ArgumentParser
import Foundation
import SiloClient
import SiloCore

/// `silo jobs ...`: a bucket's asynchronous media jobs (x-oss-async-process), through the admin API.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "Asynchronous media jobs (x-oss-async-process): list, show, cancel.",
        subcommands: [List.self, Show.self, Cancel.self])

    static let columns = ["taskId", "state", "process", "key", "progress", "attempts", "outputs", "error"]

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a bucket's media jobs, newest first.")
        @OptionGroup var options: AdminOptions
        @Argument(help: "Bucket.") var bucket: String
        func run() async throws {
            try await options.run(AdminAPI.listMediaJobs, path: BucketPath(bucket: bucket)) { table($0, JobsCommand.columns) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one job: state, progress, error, outputs, webhook deliveries.")
        @OptionGroup var options: AdminOptions
        @Argument(help: "Bucket.") var bucket: String
        @Argument(help: "The task id AsyncProcessObject answered.") var task: String
        func run() async throws {
            try await options.run(AdminAPI.getMediaJob, path: BucketJobPath(bucket: bucket, job: task)) {
                fields($0, JobsCommand.columns + ["outputBucket", "requester", "createdAt", "updatedAt", "notifyState",
                                                  "notifyURL", "notifyLog"])
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a job that has not ended.")
        @OptionGroup var options: AdminOptions
        @Argument(help: "Bucket.") var bucket: String
        @Argument(help: "The task id.") var task: String
        func run() async throws {
            try await options.run(AdminAPI.cancelMediaJob, path: BucketJobPath(bucket: bucket, job: task)) {
                fields($0, ["taskId", "state"])
            }
        }
    }
}

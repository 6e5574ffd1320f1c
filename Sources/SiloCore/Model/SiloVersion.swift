/// The release this build belongs to: `silo --version`, the console's health page, the SDK's User-Agent.
public enum SiloVersion {
    public static let current = "0.1.0"
}

/// The version both executables print and `status.json` reports.
public enum MaximizeVersion {
    public static let current = "0.1.0"
}

// The risk of a TCP service being reachable from the internet: the severity of its `new_port`
// alert and of its exposure-score deduction. Kept as data; sources in Data/README.md ("Service
// risk table"). Ports not listed are `medium` (an unexpected service deserves a look); only the
// ordinary web and mail ports are `low`.
public struct ServiceRisk: Sendable, Equatable {
    public let port: UInt16
    public let severity: Severity
    /// Short human name used in messages ("RDP", "Redis").
    public let label: String

    public static let defaultSeverity: Severity = .medium

    public static let table: [UInt16: ServiceRisk] = {
        var out: [UInt16: ServiceRisk] = [:]
        for (port, severity, label) in entries { out[port] = ServiceRisk(port: port, severity: severity, label: label) }
        return out
    }()

    /// The entry for a port, or a `medium` entry labelled with nmap's service name.
    public static func of(port: UInt16) -> ServiceRisk {
        table[port] ?? ServiceRisk(port: port, severity: defaultSeverity,
                                   label: PortCatalog.serviceName(for: port) ?? "unknown service")
    }

    static let entries: [(UInt16, Severity, String)] = [
        // critical: remote shells/desktops without strong auth, databases and admin APIs that
        // are mass-exploited or ransomed when reachable.
        (23, .critical, "Telnet"), (445, .critical, "SMB"), (3389, .critical, "RDP"),
        (2375, .critical, "Docker API (no TLS)"), (2379, .critical, "etcd"), (6379, .critical, "Redis"),
        (9200, .critical, "Elasticsearch"), (9300, .critical, "Elasticsearch transport"),
        (27017, .critical, "MongoDB"), (27018, .critical, "MongoDB"), (11211, .critical, "memcached"),
        (5900, .critical, "VNC"), (5901, .critical, "VNC"), (3306, .critical, "MySQL/MariaDB"),
        (5432, .critical, "PostgreSQL"), (1433, .critical, "MSSQL"), (1521, .critical, "Oracle DB"),
        (5984, .critical, "CouchDB"), (6443, .critical, "Kubernetes API"), (10250, .critical, "Kubelet API"),
        (512, .critical, "rexec"), (513, .critical, "rlogin"), (514, .critical, "rsh"),
        (8086, .critical, "InfluxDB"), (7001, .critical, "WebLogic"), (5555, .critical, "Android ADB"),
        // high: cleartext or frequently attacked management and directory services.
        (21, .high, "FTP"), (69, .high, "TFTP"), (111, .high, "RPC portmapper"), (135, .high, "MS RPC"),
        (139, .high, "NetBIOS"), (161, .high, "SNMP"), (199, .high, "SNMP multiplexer (smux)"),
        (389, .high, "LDAP"), (636, .high, "LDAPS"), (873, .high, "rsync"), (1099, .high, "Java RMI"),
        (2049, .high, "NFS"), (2376, .high, "Docker API (TLS)"), (3268, .high, "LDAP global catalog"),
        (4369, .high, "Erlang port mapper"), (5000, .high, "Docker registry/UPnP"),
        (5601, .high, "Kibana"), (5672, .high, "AMQP"), (5985, .high, "WinRM"), (5986, .high, "WinRM (TLS)"),
        (6000, .high, "X11"), (8161, .high, "ActiveMQ"), (8500, .high, "Consul"), (9000, .high, "admin panel (9000)"),
        (9090, .high, "Prometheus/admin (9090)"), (15672, .high, "RabbitMQ management"), (1723, .high, "PPTP"),
        (1883, .high, "MQTT"), (502, .high, "Modbus"), (47808, .high, "BACnet"), (20000, .high, "DNP3/Webmin"),
        // medium: remote access that is fine when hardened, alternate web ports, name service.
        (22, .medium, "SSH"), (53, .medium, "DNS"), (8080, .medium, "HTTP alternate"),
        (8000, .medium, "HTTP alternate"), (8888, .medium, "HTTP alternate"), (3000, .medium, "web app (3000)"),
        (110, .medium, "POP3"), (143, .medium, "IMAP"), (1194, .medium, "OpenVPN"),
        // low: the services a public host is expected to offer.
        (80, .low, "HTTP"), (443, .low, "HTTPS"), (8443, .low, "HTTPS alternate"), (25, .low, "SMTP"),
        (465, .low, "SMTPS"), (587, .low, "SMTP submission"), (993, .low, "IMAPS"), (995, .low, "POP3S"),
    ]
}

# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ectl_global_optspecs
    string join \n context= endpoints= debug= print-curl= w/write-out= hex= dial-timeout= command-timeout= keepalive-time= keepalive-timeout= insecure-transport= insecure-discovery= insecure-skip-tls-verify= cert= key= cacert= user= password= d/discovery-srv= discovery-srv-name= max-request-bytes= max-recv-bytes= h/help V/version
end

function __fish_ectl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ectl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ectl_using_subcommand
    set -l cmd (__fish_ectl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ectl -n "__fish_ectl_needs_command" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_needs_command" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_needs_command" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_needs_command" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_needs_command" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_needs_command" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_needs_command" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_needs_command" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_needs_command" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_needs_command" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_needs_command" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_needs_command" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_needs_command" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_needs_command" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_needs_command" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_needs_command" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_needs_command" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_needs_command" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_needs_command" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_needs_command" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_needs_command" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_needs_command" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_needs_command" -s h -l help -d 'Print help'
complete -c ectl -n "__fish_ectl_needs_command" -s V -l version -d 'Print version'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "get" -d 'Gets the key or a range of keys'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "put" -d 'Puts the given key into the store'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "del" -d 'Removes the specified key or range of keys [key, range_end)'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "txn" -d 'Txn processes all the requests in one transaction'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "compaction" -d 'Compacts the event history in etcd'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "version" -d 'Prints etcdctl\'s version lines, as scripts expect (ectl\'s own: ectl --version)'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "auth" -d 'Enable or disable authentication'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "user" -d 'User related commands'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "role" -d 'Role related commands'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "completion" -d 'Generates the shell completion script for ectl'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "watch" -d 'Watches events stream on keys or prefixes'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "lease" -d 'Lease related commands'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "lock" -d 'Acquires a named lock'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "elect" -d 'Observes and participates in leader election'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "member" -d 'Membership related commands'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "endpoint" -d 'Endpoint related commands'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "alarm" -d 'Alarm related commands'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "defrag" -d 'Defragments the storage of the etcd members with given endpoints'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "move-leader" -d 'Transfers leadership to another etcd cluster member.'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "snapshot" -d 'Manages etcd node snapshots'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "downgrade" -d 'Downgrade related commands (etcd 3.6 and later)'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "make-mirror" -d 'Makes a mirror at the destination etcd cluster'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "check" -d 'commands for checking properties of the etcd cluster'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "export" -d 'Writes a range of keys as NDJSON at one revision (ectl only)'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "import" -d 'Writes the keys of an `ectl export` dump back (ectl only)'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "doctor" -d 'Diagnoses connections to etcd (ectl only)'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "du" -d 'Shows what fills the keyspace, per prefix (ectl only)'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "diff" -d 'Shows keys added, changed and deleted between two views (ectl only)'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "context" -d 'Lists, shows and selects named contexts (ectl only)'
complete -c ectl -n "__fish_ectl_needs_command" -f -a "migrate"
complete -c ectl -n "__fish_ectl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand get" -l consistency -d 'Linearizable(l) or Serializable(s)' -r -f -a "l\t''
s\t''"
complete -c ectl -n "__fish_ectl_using_subcommand get" -l order -d 'Order of results; ASCEND or DESCEND (ASCEND by default)' -r -f -a "ASCEND\t''
DESCEND\t''"
complete -c ectl -n "__fish_ectl_using_subcommand get" -l sort-by -d 'Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION' -r -f -a "CREATE\t''
KEY\t''
MODIFY\t''
VALUE\t''
VERSION\t''"
complete -c ectl -n "__fish_ectl_using_subcommand get" -l limit -d 'Maximum number of results' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l prefix -d 'Get keys with matching prefix' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l from-key -d 'Get keys that are greater than or equal to the given key using byte compare' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l rev -d 'Specify the kv revision' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l keys-only -d 'Get only the keys' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l count-only -d 'Get only the count' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l print-value-only -d 'Only write values when using the "simple" output format' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l min-create-rev -d 'Minimum create revision' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l max-create-rev -d 'Maximum create revision' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l min-mod-rev -d 'Minimum modification revision' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l max-mod-rev -d 'Maximum modification revision' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l page-size -d 'Bytes of keys and values per page when reading a range (ectl only; 0: one response)' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l decode -d 'Show values that are Kubernetes objects (as an API server stores them) as JSON or YAML; other values print as they are (ectl only; simple format)' -r -f -a "k8s\t'Indented JSON, as etcdhelper and `kubectl get -o json` print it'
k8s-yaml\t'YAML with sorted keys, as auger and `kubectl get -o yaml` print it'"
complete -c ectl -n "__fish_ectl_using_subcommand get" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand get" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand get" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand get" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand get" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand put" -l lease -d 'lease ID (in hexadecimal) to attach to the key' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -l prev-kv -d 'return the previous key-value pair before modification' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -l ignore-value -d 'updates the key using its current value' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -l ignore-lease -d 'updates the key using its current lease' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand put" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand put" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand put" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand put" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand put" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand del" -l prefix -d 'delete keys with matching prefix' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -l prev-kv -d 'return deleted key-value pairs' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -l from-key -d 'delete keys that are greater than or equal to the given key using byte compare' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -l dry-run -d 'ectl only: show how many keys the delete would remove, the first and last, and a sample; delete nothing' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -l confirm -d 'ectl only: ask on the terminal before deleting more than one key (default: ETCDCTL_CONFIRM)' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -l save-undo -d 'ectl only: write the deleted keys to FILE, which `ectl import FILE` puts back' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand del" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand del" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand del" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand del" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand del" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand del" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand txn" -s i -l interactive -d 'Input transaction in interactive mode' -r
complete -c ectl -n "__fish_ectl_using_subcommand txn" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand txn" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand txn" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand txn" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand txn" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand txn" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand txn" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand txn" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand txn" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand txn" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand txn" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand txn" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand txn" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand txn" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand txn" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand txn" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand txn" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand txn" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand txn" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand txn" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand txn" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand txn" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand txn" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -l physical -d '\'true\' to wait for compaction to physically remove all old revisions' -r
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand compaction" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand version" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand version" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand version" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand version" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand version" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand version" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand version" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand version" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand version" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand version" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand version" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand version" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand version" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand version" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand version" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand version" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand version" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand version" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand version" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand version" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand version" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand version" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand version" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -f -a "enable" -d 'Enables authentication'
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -f -a "disable" -d 'Disables authentication'
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -f -a "status" -d 'Returns authentication status (etcd 3.5 or later)'
complete -c ectl -n "__fish_ectl_using_subcommand auth; and not __fish_seen_subcommand_from enable disable status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from enable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from disable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "enable" -d 'Enables authentication'
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "disable" -d 'Disables authentication'
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "status" -d 'Returns authentication status (etcd 3.5 or later)'
complete -c ectl -n "__fish_ectl_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -f -a "add" -d 'Adds a new user'
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -f -a "delete" -d 'Deletes a user'
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -f -a "get" -d 'Gets detailed information of a user'
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -f -a "list" -d 'Lists all users'
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -f -a "passwd" -d 'Changes password of user'
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -f -a "grant-role" -d 'Grants a role to a user'
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -f -a "revoke-role" -d 'Revokes a role from a user'
complete -c ectl -n "__fish_ectl_using_subcommand user; and not __fish_seen_subcommand_from add delete get list passwd grant-role revoke-role help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l interactive -d 'Read password from stdin instead of interactive terminal' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l new-user-password -d 'Supply password from the command line flag' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l no-password -d 'Create a user without password (CN based auth only)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -l detail -d 'Show permissions of roles granted to the user' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -l interactive -d 'If true, read password from stdin instead of interactive terminal' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from passwd" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from grant-role" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from revoke-role" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "add" -d 'Adds a new user'
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Deletes a user'
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "get" -d 'Gets detailed information of a user'
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "list" -d 'Lists all users'
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "passwd" -d 'Changes password of user'
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "grant-role" -d 'Grants a role to a user'
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "revoke-role" -d 'Revokes a role from a user'
complete -c ectl -n "__fish_ectl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -f -a "add" -d 'Adds a new role'
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -f -a "delete" -d 'Deletes a role'
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -f -a "get" -d 'Gets detailed information of a role'
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -f -a "list" -d 'Lists all roles'
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -f -a "grant-permission" -d 'Grants a key to a role'
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -f -a "revoke-permission" -d 'Revokes a key from a role'
complete -c ectl -n "__fish_ectl_using_subcommand role; and not __fish_seen_subcommand_from add delete get list grant-permission revoke-permission help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l prefix -d 'grant a prefix permission' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l from-key -d 'grant a permission of keys that are greater than or equal to the given key using byte compare' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from grant-permission" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l prefix -d 'revoke a prefix permission' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l from-key -d 'revoke a permission of keys that are greater than or equal to the given key using byte compare' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from revoke-permission" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from help" -f -a "add" -d 'Adds a new role'
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Deletes a role'
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from help" -f -a "get" -d 'Gets detailed information of a role'
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from help" -f -a "list" -d 'Lists all roles'
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from help" -f -a "grant-permission" -d 'Grants a key to a role'
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from help" -f -a "revoke-permission" -d 'Revokes a key from a role'
complete -c ectl -n "__fish_ectl_using_subcommand role; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand completion" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand completion" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand completion" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand completion" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand completion" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand completion" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand completion" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand completion" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand completion" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand completion" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand completion" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand completion" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand completion" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand completion" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand completion" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand completion" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand completion" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand completion" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand completion" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand completion" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand completion" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand completion" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand completion" -l static -d 'Print a script that completes from the command definitions alone, without live data'
complete -c ectl -n "__fish_ectl_using_subcommand completion" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand watch" -s i -l interactive -d 'Interactive mode' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l prefix -d 'Watch on a prefix if prefix is set' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l rev -d 'Revision to start watching' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l prev-kv -d 'get the previous key-value pair before the event happens' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l progress-notify -d 'get periodic watch progress notification from server' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l decode -d 'Show values that are Kubernetes objects (as an API server stores them) as JSON or YAML; other values print as they are (ectl only; simple format; for the whole session with -i)' -r -f -a "k8s\t'Indented JSON, as etcdhelper and `kubectl get -o json` print it'
k8s-yaml\t'YAML with sorted keys, as auger and `kubectl get -o yaml` print it'"
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand watch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -f -a "grant" -d 'Creates leases'
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -f -a "revoke" -d 'Revokes leases'
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -f -a "timetolive" -d 'Get lease information'
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -f -a "list" -d 'List all active leases'
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -f -a "keep-alive" -d 'Keeps leases alive (renew)'
complete -c ectl -n "__fish_ectl_using_subcommand lease; and not __fish_seen_subcommand_from grant revoke timetolive list keep-alive help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from grant" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -l keys -d 'Get keys attached to this lease' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from timetolive" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -l once -d 'Resets the keep-alive time to its original value and exits immediately' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from keep-alive" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from help" -f -a "grant" -d 'Creates leases'
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revokes leases'
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from help" -f -a "timetolive" -d 'Get lease information'
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from help" -f -a "list" -d 'List all active leases'
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from help" -f -a "keep-alive" -d 'Keeps leases alive (renew)'
complete -c ectl -n "__fish_ectl_using_subcommand lease; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand lock" -l ttl -d 'timeout for session' -r
complete -c ectl -n "__fish_ectl_using_subcommand lock" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand lock" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand lock" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand lock" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand lock" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand lock" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand lock" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lock" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lock" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lock" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lock" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand lock" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand lock" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lock" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand lock" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand lock" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand lock" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lock" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lock" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand lock" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand lock" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lock" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand lock" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand elect" -s l -l listen -d 'observation mode' -r
complete -c ectl -n "__fish_ectl_using_subcommand elect" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand elect" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand elect" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand elect" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand elect" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand elect" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand elect" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand elect" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand elect" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand elect" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand elect" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand elect" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand elect" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand elect" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand elect" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand elect" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand elect" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand elect" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand elect" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand elect" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand elect" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand elect" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand elect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -f -a "add" -d 'Adds a member into the cluster'
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -f -a "remove" -d 'Removes a member from the cluster'
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -f -a "update" -d 'Updates a member in the cluster'
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -f -a "list" -d 'Lists all members in the cluster'
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -f -a "promote" -d 'Promotes a non-voting member in the cluster'
complete -c ectl -n "__fish_ectl_using_subcommand member; and not __fish_seen_subcommand_from add remove update list promote help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l peer-urls -d 'comma separated peer URLs for the new member' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l learner -d 'indicates if the new member is raft learner' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -l peer-urls -d 'comma separated peer URLs for the updated member' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from promote" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "add" -d 'Adds a member into the cluster'
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Removes a member from the cluster'
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "update" -d 'Updates a member in the cluster'
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "list" -d 'Lists all members in the cluster'
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "promote" -d 'Promotes a non-voting member in the cluster'
complete -c ectl -n "__fish_ectl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -l cluster -d 'use all endpoints from the cluster member list' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -f -a "health" -d 'Checks the healthiness of endpoints specified in `--endpoints` flag'
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -f -a "status" -d 'Prints out the status of endpoints specified in `--endpoints` flag'
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -f -a "hashkv" -d 'Prints the KV history hash for each endpoint in --endpoints'
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and not __fish_seen_subcommand_from health status hashkv help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l cluster -d 'use all endpoints from the cluster member list' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l cluster -d 'use all endpoints from the cluster member list' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l rev -d 'maximum revision to hash (default: all revisions)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l cluster -d 'use all endpoints from the cluster member list' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from hashkv" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from help" -f -a "health" -d 'Checks the healthiness of endpoints specified in `--endpoints` flag'
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from help" -f -a "status" -d 'Prints out the status of endpoints specified in `--endpoints` flag'
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from help" -f -a "hashkv" -d 'Prints the KV history hash for each endpoint in --endpoints'
complete -c ectl -n "__fish_ectl_using_subcommand endpoint; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -f -a "disarm" -d 'Disarms all alarms'
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -f -a "list" -d 'Lists all alarms'
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and not __fish_seen_subcommand_from disarm list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from disarm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from help" -f -a "disarm" -d 'Disarms all alarms'
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from help" -f -a "list" -d 'Lists all alarms'
complete -c ectl -n "__fish_ectl_using_subcommand alarm; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l cluster -d 'use all endpoints from the cluster member list' -r
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l data-dir -d 'Optional. If present, defragments a data directory not in use by etcd' -r
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand defrag" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand move-leader" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -f -a "save" -d 'Stores an etcd node backend snapshot to a given file'
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -f -a "restore" -d 'Restores an etcd member snapshot to an etcd directory'
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -f -a "status" -d 'Gets backend snapshot status of a given file'
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and not __fish_seen_subcommand_from save restore status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from save" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l data-dir -d 'Path to the data directory' -r -f -a "(__fish_complete_directories)"
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l wal-dir -d 'Path to the WAL directory (use --data-dir if none given)' -r -f -a "(__fish_complete_directories)"
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l initial-cluster -d 'Initial cluster configuration for restore bootstrap' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l initial-cluster-token -d 'Initial cluster token for the etcd cluster during restore bootstrap' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l initial-advertise-peer-urls -d 'List of this member\'s peer URLs to advertise to the rest of the cluster' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l name -d 'Human-readable name for this member' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l skip-hash-check -d 'Ignore snapshot integrity hash value (required if copied from data directory)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from restore" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from help" -f -a "save" -d 'Stores an etcd node backend snapshot to a given file'
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from help" -f -a "restore" -d 'Restores an etcd member snapshot to an etcd directory'
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from help" -f -a "status" -d 'Gets backend snapshot status of a given file'
complete -c ectl -n "__fish_ectl_using_subcommand snapshot; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -f -a "validate" -d 'Validate downgrade capability before starting downgrade (validate), or start a downgrade action to cluster (enable)'
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -f -a "enable" -d 'Validate downgrade capability before starting downgrade (validate), or start a downgrade action to cluster (enable)'
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -f -a "cancel" -d 'Cancel the ongoing downgrade action to cluster'
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and not __fish_seen_subcommand_from validate enable cancel help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from enable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from cancel" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from help" -f -a "validate" -d 'Validate downgrade capability before starting downgrade (validate), or start a downgrade action to cluster (enable)'
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from help" -f -a "enable" -d 'Validate downgrade capability before starting downgrade (validate), or start a downgrade action to cluster (enable)'
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from help" -f -a "cancel" -d 'Cancel the ongoing downgrade action to cluster'
complete -c ectl -n "__fish_ectl_using_subcommand downgrade; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l prefix -d 'Key-value prefix to mirror' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l dest-prefix -d 'destination prefix to mirror a prefix to a different prefix in the destination cluster' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l no-dest-prefix -d 'mirror key-values to the root of the destination cluster' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l dest-cert -d 'Identify secure client using this TLS certificate file for the destination cluster' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l dest-key -d 'Identify secure client using this TLS key file' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l dest-cacert -d 'Verify certificates of TLS enabled secure servers using this CA bundle' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l dest-insecure-transport -d 'Disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l dest-user -d 'Destination username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l dest-password -d 'Destination password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l rev -d 'Specify the kv revision to start to mirror' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l max-txn-ops -d 'Maximum number of operations permitted in a transaction during syncing updates' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand make-mirror" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -f -a "perf" -d 'Check the performance of the etcd cluster'
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -f -a "datascale" -d 'Check the memory usage of holding data for different workloads on a given server endpoint.'
complete -c ectl -n "__fish_ectl_using_subcommand check; and not __fish_seen_subcommand_from perf datascale help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l load -d 'The performance check\'s workload model. Accepted workloads: s(small), m(medium), l(large), xl(xLarge)' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l prefix -d 'The prefix for writing the performance check\'s keys' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l auto-compact -d 'Compact storage with last revision after test is finished' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l auto-defrag -d 'Defragment storage after test is finished' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from perf" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l load -d 'The datascale check\'s workload model. Accepted workloads: s(small), m(medium), l(large), xl(xLarge)' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l prefix -d 'The prefix for writing the datascale check\'s keys' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l auto-compact -d 'Compact storage with last revision after test is finished' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l auto-defrag -d 'Defragment storage after test is finished' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from datascale" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from help" -f -a "perf" -d 'Check the performance of the etcd cluster'
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from help" -f -a "datascale" -d 'Check the memory usage of holding data for different workloads on a given server endpoint.'
complete -c ectl -n "__fish_ectl_using_subcommand check; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand export" -l prefix -d 'Export keys with matching prefix' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -l from-key -d 'Export keys that are greater than or equal to the given key' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -l rev -d 'The revision to export (default: the current one)' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -l after -d 'Start just after this key (continues a cut export; no header line then)' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand export" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand export" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand export" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand export" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand import" -l strip-prefix -d 'Remove this prefix from the keys that start with it' -r
complete -c ectl -n "__fish_ectl_using_subcommand import" -l dest-prefix -d 'Put this prefix in front of every key (after --strip-prefix)' -r
complete -c ectl -n "__fish_ectl_using_subcommand import" -l if-absent -d 'Write only keys that do not exist (a compare on create_revision = 0)' -r
complete -c ectl -n "__fish_ectl_using_subcommand import" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand import" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand import" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand import" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand import" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand import" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand import" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand import" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand import" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand import" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand import" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand import" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand import" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand import" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand import" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand import" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand import" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand import" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand import" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand import" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand import" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand import" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l quota-backend-bytes -d 'the members\' --quota-backend-bytes (0: etcd\'s default, 2 GiB); etcd < 3.6 does not report it' -r
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l max-raft-lag -d 'raft entries a member may trail the most advanced one by before it counts as lagging' -r
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand du" -l depth -d 'levels of prefix below PREFIX to group keys by' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -l top -d 'show only the N largest prefixes (0: all); the total still counts every key' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -l separator -d 'what separates the levels of a key' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -l rev -d 'read at this revision (0: the current one)' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -l page-keys -d 'keys per request' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand du" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand du" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand du" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand du" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand du" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l rev -d 'a revision to compare (give it twice: A then B)' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l endpoints-a -d 'the first cluster\'s endpoints (default: --endpoints)' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l endpoints-b -d 'the second cluster\'s endpoints (TLS and user settings are shared with the first)' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l page-keys -d 'keys per request' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand diff" -l members -d 'compare every member\'s serializable view (member list)'
complete -c ectl -n "__fish_ectl_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -f -a "list" -d 'Lists the contexts; `*` marks the current one'
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -f -a "show" -d 'Shows a context\'s settings (default: the current one)'
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -f -a "use" -d 'Makes NAME the current context (the file\'s comments are kept)'
complete -c ectl -n "__fish_ectl_using_subcommand context; and not __fish_seen_subcommand_from list show use help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from use" -s h -l help -d 'Print help'
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from help" -f -a "list" -d 'Lists the contexts; `*` marks the current one'
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from help" -f -a "show" -d 'Shows a context\'s settings (default: the current one)'
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from help" -f -a "use" -d 'Makes NAME the current context (the file\'s comments are kept)'
complete -c ectl -n "__fish_ectl_using_subcommand context; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -l context -d 'ectl only: the named context (config.toml) to fill in settings no flag or variable gives' -r
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -l endpoints -d 'gRPC endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -l debug -d 'enable client-side debug logging' -r
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -l print-curl -d 'print each request to stderr as a curl command line for etcd\'s JSON gateway' -r
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -s w -l write-out -d 'set the output format (fields, json, protobuf, simple, table)' -r -f -a "fields\t''
json\t''
protobuf\t''
simple\t''
table\t''"
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -l hex -d 'print byte strings as hex encoded strings' -r
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -l dial-timeout -d 'dial timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -l command-timeout -d 'timeout for short running command (excluding dial timeout)' -r
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -l keepalive-time -d 'keepalive time for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -l keepalive-timeout -d 'keepalive timeout for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -l insecure-transport -d 'disable transport security for client connections' -r
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' -r
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -l cert -d 'identify secure client using this TLS certificate file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -l key -d 'identify secure client using this TLS key file' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle' -r -F
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -l user -d 'username[:password] for authentication (prompt if password is not supplied)' -r
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)' -r
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -s d -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints' -r
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -l discovery-srv-name -d 'service name to query when using DNS discovery' -r
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -l max-request-bytes -d 'client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand migrate" -l max-recv-bytes -d 'client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)' -r
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "get" -d 'Gets the key or a range of keys'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "put" -d 'Puts the given key into the store'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "del" -d 'Removes the specified key or range of keys [key, range_end)'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "txn" -d 'Txn processes all the requests in one transaction'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "compaction" -d 'Compacts the event history in etcd'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "version" -d 'Prints etcdctl\'s version lines, as scripts expect (ectl\'s own: ectl --version)'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "auth" -d 'Enable or disable authentication'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "user" -d 'User related commands'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "role" -d 'Role related commands'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "completion" -d 'Generates the shell completion script for ectl'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "watch" -d 'Watches events stream on keys or prefixes'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "lease" -d 'Lease related commands'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "lock" -d 'Acquires a named lock'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "elect" -d 'Observes and participates in leader election'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "member" -d 'Membership related commands'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "endpoint" -d 'Endpoint related commands'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "alarm" -d 'Alarm related commands'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "defrag" -d 'Defragments the storage of the etcd members with given endpoints'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "move-leader" -d 'Transfers leadership to another etcd cluster member.'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "snapshot" -d 'Manages etcd node snapshots'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "downgrade" -d 'Downgrade related commands (etcd 3.6 and later)'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "make-mirror" -d 'Makes a mirror at the destination etcd cluster'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "check" -d 'commands for checking properties of the etcd cluster'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "export" -d 'Writes a range of keys as NDJSON at one revision (ectl only)'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "import" -d 'Writes the keys of an `ectl export` dump back (ectl only)'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "doctor" -d 'Diagnoses connections to etcd (ectl only)'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "du" -d 'Shows what fills the keyspace, per prefix (ectl only)'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "diff" -d 'Shows keys added, changed and deleted between two views (ectl only)'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "context" -d 'Lists, shows and selects named contexts (ectl only)'
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "migrate"
complete -c ectl -n "__fish_ectl_using_subcommand help; and not __fish_seen_subcommand_from get put del txn compaction version auth user role completion watch lease lock elect member endpoint alarm defrag move-leader snapshot downgrade make-mirror check export import doctor du diff context migrate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "enable" -d 'Enables authentication'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "disable" -d 'Disables authentication'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "status" -d 'Returns authentication status (etcd 3.5 or later)'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "add" -d 'Adds a new user'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "delete" -d 'Deletes a user'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "get" -d 'Gets detailed information of a user'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "list" -d 'Lists all users'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "passwd" -d 'Changes password of user'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "grant-role" -d 'Grants a role to a user'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "revoke-role" -d 'Revokes a role from a user'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from role" -f -a "add" -d 'Adds a new role'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from role" -f -a "delete" -d 'Deletes a role'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from role" -f -a "get" -d 'Gets detailed information of a role'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from role" -f -a "list" -d 'Lists all roles'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from role" -f -a "grant-permission" -d 'Grants a key to a role'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from role" -f -a "revoke-permission" -d 'Revokes a key from a role'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from lease" -f -a "grant" -d 'Creates leases'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from lease" -f -a "revoke" -d 'Revokes leases'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from lease" -f -a "timetolive" -d 'Get lease information'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from lease" -f -a "list" -d 'List all active leases'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from lease" -f -a "keep-alive" -d 'Keeps leases alive (renew)'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "add" -d 'Adds a member into the cluster'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "remove" -d 'Removes a member from the cluster'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "update" -d 'Updates a member in the cluster'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "list" -d 'Lists all members in the cluster'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "promote" -d 'Promotes a non-voting member in the cluster'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from endpoint" -f -a "health" -d 'Checks the healthiness of endpoints specified in `--endpoints` flag'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from endpoint" -f -a "status" -d 'Prints out the status of endpoints specified in `--endpoints` flag'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from endpoint" -f -a "hashkv" -d 'Prints the KV history hash for each endpoint in --endpoints'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from alarm" -f -a "disarm" -d 'Disarms all alarms'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from alarm" -f -a "list" -d 'Lists all alarms'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from snapshot" -f -a "save" -d 'Stores an etcd node backend snapshot to a given file'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from snapshot" -f -a "restore" -d 'Restores an etcd member snapshot to an etcd directory'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from snapshot" -f -a "status" -d 'Gets backend snapshot status of a given file'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from downgrade" -f -a "validate" -d 'Validate downgrade capability before starting downgrade (validate), or start a downgrade action to cluster (enable)'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from downgrade" -f -a "enable" -d 'Validate downgrade capability before starting downgrade (validate), or start a downgrade action to cluster (enable)'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from downgrade" -f -a "cancel" -d 'Cancel the ongoing downgrade action to cluster'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from check" -f -a "perf" -d 'Check the performance of the etcd cluster'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from check" -f -a "datascale" -d 'Check the memory usage of holding data for different workloads on a given server endpoint.'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from context" -f -a "list" -d 'Lists the contexts; `*` marks the current one'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from context" -f -a "show" -d 'Shows a context\'s settings (default: the current one)'
complete -c ectl -n "__fish_ectl_using_subcommand help; and __fish_seen_subcommand_from context" -f -a "use" -d 'Makes NAME the current context (the file\'s comments are kept)'

import ArgumentParser

@main
struct MetaMLIP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metamlip",
        abstract: "Meta-learning machine-learning interatomic potentials across levels of theory.")
}

import Chemistry

extension StillingerWeber {
    /// Every named potential (``named``) as a relabelling function: the conformation with
    /// this potential's energy (eV) and forces (eV/Å); `label` names it in a `DataError`.
    /// Recipes name them with `relabel: sw-si` (Datasets' `SourceLoader.relabellers` has the
    /// same function type, so Datasets need not depend on this module).
    public static var relabellers: [String: @Sendable (Conformation, String) throws -> Conformation] {
        named.mapValues { potential in { conformation, label in try potential.relabelling(conformation, label: label) } }
    }
}

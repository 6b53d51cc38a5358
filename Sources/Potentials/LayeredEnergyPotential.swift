import Autodiff
import Descriptors

/// A potential whose network energy is a sum of per-layer atomic terms, as HIP-NN's
/// hierarchical energy (Lubbers, Smith & Barros, J. Chem. Phys. 148, 241715 (2018),
/// doi:10.1063/1.5011181):
///
///     E_net,c = Σ_{i∈c} Σ_{l=0}^{L} e_{l,i},
///
/// where e_{0,i} depends on the species only and each higher term is meant to be a smaller
/// correction than the one below it (what hippynn's hierarchicality measures, and what
/// `HierarchicalityRegulariser` in Training penalises).
public protocol LayeredEnergyPotential: AtomisticPotential {
    /// The per-layer atomic energies e_{l,i}, l = 0…L, each `[A]` (eV), of the atoms at
    /// `positions` (`[A, 3]`, Å) without the self-energies; their sum over l and over each
    /// conformation's atoms is the network energy.
    func layerAtomicEnergies<S: TensorScalar>(positions: Tensor<S>, topology: NeighbourTopology,
                                              parameters: ParameterSet<S>) -> [Tensor<S>]
}

extension HIPNNPotential: LayeredEnergyPotential {}

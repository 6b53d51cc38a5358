extension TrainCommand {
    /// The training manifest format, shown by `metamlip train --help` (the keys of
    /// `Experiments.TrainManifest`; the README's "Training one model" section says the same).
    /// Paragraphs are single lines, so the help wraps them once, at the terminal's width.
    static let manifestHelp = """
        The manifest is YAML with these keys (unknown keys are errors naming the key; \
        `metamlip check MANIFEST` checks every key and value in a second, without reading data):

          data: FILE            required; beside the manifest, else in the data root
          format: FORMAT        reader, else from the extension (extxyz, npz, …)
          energy_key: KEY       extxyz energy key (default: guessed, see data inspect)
          forces_key: KEY       extxyz forces column (default: follows energy_key)
          energy_unit: UNIT     eV (default), meV, Ha, Ry, kcal/mol, kJ/mol
          npz_keys: {numbers: K, positions: K, energy: K, forces: K}
                                arrays of an npz file with other key names
          isolated_atoms: FILE  extxyz of isolated-atom energies at the same level
          split: {seed: 0, train: 0.8, validation: 0.1, test: 0.1}
                                or {seed: 0, n_train: N}: N to train, rest validation
          model: {kind: ani, preset: ani1x}     the default; kinds ani, acsf,
                                eeacsf, hipnn, mace, deeppot
                                (e.g. {kind: ani, widths: [64, 32]})
          loss: {energy_weight: 1, force_weight: 1}     the defaults
          optimizer: {kind: adam, learning_rate: 0.001, weight_decay: 0}
                                kind adam (default) or core
          epochs: N             required, ≥ 1
          batch_size: 32        conformations per step
          seed: 0               initialisation and batch order
          patience: N           early stopping after N epochs without improvement
          plateau: {factor: 0.5, patience: 10}     learning-rate decay
          ema_decay: 0.99       validate and save a moving average of the parameters
          checkpoint_dir: DIR   locked, fingerprinted; checkpoint.json, model.json
                                and split.json (the split's conformation indices)
          checkpoint_every: 5   epochs between checkpoints (0: only at the end)
          divergence: {max_retries: 3, learning_rate_factor: 0.1,
               explosion_factor: 1000}   the defaults
          stage_two: {start_epoch: 90, energy_weight: 1000, force_weight: 100,
               learning_rate: 0.001}   from epoch 90 (counted from 0): other loss
                                weights and learning rate (mace-torch's SWA stage);
                                the best parameters come from stage two
          gradient_clip: 10     scale a step's gradient down to this global L2
                                norm when it is larger (PyTorch clip_grad_norm_;
                                default: no clipping); each epoch's line shows
                                the median and largest norm |g|

        Example (3BPA, a small ANI model, 100 epochs):

          data: 3bpa/train_300K.xyz
          isolated_atoms: 3bpa/iso_atoms.xyz
          split: {seed: 1, train: 0.8, validation: 0.1, test: 0.1}
          model: {kind: ani, widths: [64, 32]}
          optimizer: {kind: adam, learning_rate: 0.001}
          epochs: 100
          batch_size: 16
          checkpoint_dir: runs/3bpa-ani

        One-molecule data (a single composition) need isolated_atoms: the self-energies are \
        then anchored to them; without them the command stops before training. Each epoch \
        prints its validation errors; when stdout is a terminal a progress bar with the \
        elapsed time and an estimate of the time left is redrawn below them. --resume \
        continues from checkpoint_dir/checkpoint.json; a rerun with other settings stops \
        naming every differing key unless --fresh. The model file records the MetaMLIP \
        version and git commit that wrote it (provenance.metamlipVersion, provenance.gitCommit).
        """
}

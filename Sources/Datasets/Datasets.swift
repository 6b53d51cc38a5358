/// Datasets: suite recipes, source loading and the `data build` pipeline.
import Chemistry

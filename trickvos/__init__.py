"""A literate, tested reproduction of TrickVOS: A Bag of Tricks for Video Object Segmentation (ICIP 2023)

Modules:

- `trickvos.backbone`: MobileNetV2 written layer by layer with torchvision's parameter names, cut after the stride-16 blocks; taps at strides 4, 8 and 16; ImageNet weights from a local file with the first layer adapted to any input channels.
- `trickvos.data`: Read DAVIS 2016, DAVIS 2017 and YouTube-VOS into one lazy `Video`: frames, label maps, object ids, which frames are annotated. Write predictions as DAVIS palette PNGs. Bad data fails early, naming the file.
- `trickvos.evaluation`: Run the processor of `10_inference` over every video of a DAVIS-layout split, write DAVIS palette PNGs, score them with `02_metrics` (J, F, J&F as davis2017-evaluation computes them) and measure frames per second; `trickvos eval`.
- `trickvos.export`: Four graphs (key encoder, value encoder, memory read, decoder) with a manifest; `OnnxVOS`, which `InferenceCore` runs like a `VOSModel` (memory policy, Trick 3 and flip testing included); parity with PyTorch, speed on this CPU, and int8 encoders.
- `trickvos.inference`: A stateful processor in the style of XMem/Cutie: `step(frame, mask=None)` pads, reads the memory (first + previous frame), decodes, aggregates and writes the new frame's value; whole videos, your own videos, `trickvos segment`.
- `trickvos.metrics`: Region similarity J and boundary accuracy F exactly as the official DAVIS 2017 evaluation defines them (a fast implementation with identical values), their mean / recall / decay statistics, the semi-supervised protocol for one sequence, scoring of a whole results folder into the official tables, and the copy-first-frame floor.
- `trickvos.model`: Key and value encoders, a space-time memory, L2 or dot-product affinity, an STCN decoder with skip connections and soft aggregation of several objects; STM, STCN and the 1.9M-parameter TrickVOS baseline as presets of one config.
- `trickvos.paper`: Every figure this project quotes from the papers it reproduces, typed once, with where it comes from: TrickVOS's Tables 1 and 2 and its parameter count, and Good Practices' Table 1. Tables, viewers and notebooks read them from here.
- `trickvos.parametric_tracker`: A 5-layer GeLU MLP that predicts an object's next box motion from its last one, trained on ground-truth boxes with an asymmetric penalty that makes predicted boxes err on the large side.
- `trickvos.practices`: "Towards Good Practices for Video Object Segmentation" tunes the same space-time-memory family with tricks that buy accuracy with compute at test time. `MultiCore` fuses several (model, scale) members frame by frame; the tables put each practice's J&F gain beside its cost in frames per second, TrickVOS's tricks included.
- `trickvos.pretraining`: Re-use the decoder of a model already trained on VOS to initialise a fresh model: `init_from_donor`, the presets `trick2` and `trick12`, and `trickvos train --decoder-from RUN_DIR`.
- `trickvos.reproduce`: Every run that the paper's ablation (Table 1) and comparison (Table 2) need, trained and evaluated on the synthetic benchmark, in one resumable command: `reproduce()` and `trickvos reproduce`.
- `trickvos.speed`: The per-frame cost of propagation, part by part; BatchNorm folding, the softmax over the last dimension, channels-last half precision and CUDA graphs; a benchmark that times the eager and optimised paths side by side.
- `trickvos.stages`: Table 1 of "Towards Good Practices for Video Object Segmentation" on our data: the baseline trained with stage 0 only, with stage 2 only, and with both, at the reference scale, beside the paper's figures.
- `trickvos.synthetic`: The embedded VOS benchmark every notebook and command uses by default: textured objects moving over panning backgrounds, occluding each other, leaving the frame, and crossing same-looking distractors; written in the DAVIS 2017 layout. Also STCN's static-image deformation clips (training stage 0).
- `trickvos.tracker`: Boxes from masks, attention maps from boxes, and Algorithm 1 of the paper: a box per object that follows the object's recent motion and zeroes the predicted probabilities outside it.
- `trickvos.training`: Clip sampling with STCN's max-skip curriculum, the two training stages, scales (lesson, reference, paper), atomic checkpoints that resume exactly, a CSV log and loss curves, and multi-GPU training with `torchrun`.
- `trickvos.widgets`: Four interactive views (ipywidgets 8 + matplotlib, for JupyterLab and Voila): a mask viewer with per-frame J and F, a box viewer for Trick 3's tracker, Table 1 as a bar chart beside the paper's, and a tracker playground."""

__version__ = "0.0.1"
